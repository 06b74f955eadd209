/**
 * bench/RESULTS.md: the latest tables of `npm run bench:swarm`, one section per viewer count and segment length
 * (a run with --viewers 6 replaces the 6-viewer section and keeps the others), with the exact command, the date
 * and the machine. Anything written below the `<!-- notes -->` line is kept as it is.
 */
import { readFile, writeFile } from 'node:fs/promises'
import { SIM_BLOCK } from '../sim/results-md.js'
import { COLUMN_NOTES, flagsText, LADDER_NOTES, ladderTable, modeTable, startupTable, viewerTable, type RunReport } from './report.js'
import { DEFAULT_SEGMENT_SECONDS } from './stream.js'

const NOTES_MARK = '<!-- notes -->'
/** `viewers=6` for the default segment length (the key older files have), `viewers=6,segment=2` otherwise. */
const blockKey = ({ viewers, segmentSeconds, lowLatency, ladder, returnVisit }: RunReport['args']): string => {
  if (returnVisit) return `viewers=${viewers},return`
  if (lowLatency) return `viewers=${viewers},ll`
  if (ladder) return `viewers=${viewers},ladder`
  return segmentSeconds === DEFAULT_SEGMENT_SECONDS ? `viewers=${viewers}` : `viewers=${viewers},segment=${segmentSeconds}`
}
const blockStart = (key: string) => `<!-- swarm:${key} -->`
const blockEnd = (key: string) => `<!-- /swarm:${key} -->`

function section(report: RunReport): string {
  const { machine, args } = report
  const flags = flagsText(report.modes)
  return [
    blockStart(blockKey(args)),
    `## ${args.viewers} viewers, ${args.lowLatency ? 'LL-HLS, hls.js lowLatencyMode' : `${args.segmentSeconds} s segments`}${args.ladder ? ', 3-rendition ladder' : ''}${args.returnVisit ? ', return visits' : ''}, ${args.duration} s per mode`,
    '',
    `- Command: \`${report.command}\``,
    `- Date: ${report.date}`,
    `- Machine: ${machine.cores} cores (${machine.cpuModel}), ${machine.memoryGb} GB, Node ${machine.node}`,
    `- Stream: ${report.stream}; viewers join ${args.stagger} ms apart, each mode on a fresh origin`,
    `- Code: commit ${report.git.commit}${report.git.srcDirty ? ' with uncommitted changes in src/' : ''}`,
    `- Versions: ${Object.entries(report.versions)
      .map(([name, version]) => `${name} ${version}`)
      .join(', ')}`,
    '',
    modeTable(report.modes),
    '',
    viewerTable(report.modes),
    '',
    'Startup, median ms after navigation start:',
    '',
    startupTable(report.modes),
    '',
    ...(args.ladder ? [ladderTable(report.modes), '', LADDER_NOTES, ''] : []),
    flags.length
      ? flags.map((line) => `- ${line}`).join('\n')
      : '- No disagreement between origin-side and client-side counts over 5 points; no failed viewer.',
    blockEnd(blockKey(args)),
  ].join('\n')
}

export async function updateResultsMd(path: string, report: RunReport): Promise<void> {
  const old = await readFile(path, 'utf8').catch(() => '')
  const notesAt = old.indexOf(NOTES_MARK)
  const notes = notesAt >= 0 ? old.slice(notesAt) : `${NOTES_MARK}\n`
  const blocks = new Map<string, string>()
  for (const match of old.matchAll(/<!-- swarm:(viewers=[\w=,]+) -->[\s\S]*?<!-- \/swarm:\1 -->/g)) {
    blocks.set(match[1]!, match[0])
  }
  blocks.set(blockKey(report.args), section(report))
  const ordered = [...blocks.entries()].sort(([a], [b]) => a.localeCompare(b, 'en', { numeric: true })).map(([, text]) => text)
  const text = [
    '# Swarm benchmark results',
    '',
    'Written by `npm run bench:swarm` (bench/swarm.ts): the latest run for each viewer count and segment length. Every mode plays the same live',
    'stream from a fresh origin with the same viewers and schedule; the JSON (bench/results/swarm.json) and the chart',
    '(bench/results/swarm.svg) of the last run hold every number.',
    '',
    ...ordered.flatMap((block) => [block, '']),
    // bench:sim's section stays where it is, whatever bench:swarm rewrites.
    ...(SIM_BLOCK.exec(old)?.[0] ? [SIM_BLOCK.exec(old)![0], ''] : []),
    COLUMN_NOTES,
    '',
    notes.trimEnd(),
    '',
  ].join('\n')
  await writeFile(path, text)
}
