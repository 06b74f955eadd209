/**
 * npm run bench:swarm -- --viewers N --duration S [--stagger MS] [--mode live-torrent|http|p2p-media-loader]
 *
 * The swarm benchmark: a live 360p stream, and for every chosen mode one after the other a fresh origin on it and
 * N headless Chromium viewers (separate contexts) joining on the same schedule. Measures per viewer startup,
 * stalls, live latency, bytes from peers and over HTTP and P2P delivery times; per mode the offload counted on the
 * origin side and by the clients. Writes bench/results/swarm.json, bench/results/swarm.svg and bench/RESULTS.md.
 * The modules are in bench/swarm/.
 */
import { spawnSync } from 'node:child_process'
import { copyFile, mkdir } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from './swarm/args.js'
import { writeChart } from './swarm/chart.js'
import type { ModeResult } from './swarm/metrics.js'
import { MODES } from './swarm/modes/index.js'
import { RECORDER_JS } from './swarm/page.js'
import {
  buildReport,
  COLUMN_NOTES,
  flagsText,
  gitState,
  LADDER_NOTES,
  ladderTable,
  modeTable,
  startupTable,
  viewerTable,
  writeJson,
} from './swarm/report.js'
import { updateResultsMd } from './swarm/results-md.js'
import { runMode } from './swarm/run-mode.js'
import { startSite } from './swarm/site.js'
import { DEFAULT_SEGMENT_SECONDS, startBenchStream } from './swarm/stream.js'

const root = fileURLToPath(new URL('..', import.meta.url))

async function main(): Promise<void> {
  const argv = process.argv.slice(2)
  const args = parseArgs(argv)
  const command = `npm run bench:swarm${argv.length ? ` -- ${argv.join(' ')}` : ''}`
  const lastViewerAt = ((args.viewers - 1) * args.stagger) / 1000
  if (args.duration < lastViewerAt + 20)
    console.warn(`bench: the last viewer joins at ${lastViewerAt} s and gets less than 20 s of a ${args.duration} s run`)
  console.log(
    `bench:swarm: ${args.viewers} viewers, ${args.duration} s per mode, stagger ${args.stagger} ms, ${args.segmentSeconds} s segments, modes ${args.modes.join(', ')}`,
  )

  const git = gitState()
  if (args.build) {
    console.log('bench: building the browser bundles (npm run build:browser)')
    const built = spawnSync('npm', ['run', '--silent', 'build:browser'], { cwd: root, stdio: 'inherit' })
    if (built.status !== 0) throw new Error('npm run build:browser failed')
  }
  const stream = await startBenchStream(args)
  const site = await startSite(RECORDER_JS)
  const results: ModeResult[] = []
  try {
    console.log(`bench: ${stream.description}; waiting until it can be played`)
    await stream.ready()
    for (const name of args.modes) {
      try {
        results.push(await runMode(MODES[name], { source: stream.source, site, args }))
      } catch (err) {
        console.error(`bench: mode ${name} could not run: ${(err as Error).stack ?? err}`)
      }
    }
  } finally {
    await site.close()
    await stream.stop()
  }
  if (!results.length) throw new Error('no mode ran')

  const report = buildReport(command, args, stream.description, results, git)
  const outDir = resolve(root, args.out)
  await mkdir(outDir, { recursive: true })
  const jsonPath = join(outDir, 'swarm.json')
  const svgPath = join(outDir, 'swarm.svg')
  await writeJson(jsonPath, report)
  await writeChart(svgPath, report)
  // A copy per viewer count, so that an N=4 and an N=6 run can be looked at side by side.
  const variant = args.lowLatency
    ? '-ll'
    : `${args.ladder ? '-ladder' : ''}${args.segmentSeconds === DEFAULT_SEGMENT_SECONDS ? '' : `-${args.segmentSeconds}s`}`
  const copyName = `swarm-${args.viewers}v${variant}`
  await copyFile(jsonPath, join(outDir, `${copyName}.json`))
  await copyFile(svgPath, join(outDir, `${copyName}.svg`))
  if (args.writeResultsMd) await updateResultsMd(join(root, 'bench/RESULTS.md'), report)

  console.log(
    `\n${modeTable(results)}\n\n${viewerTable(results)}\n\nStartup, median ms after navigation start:\n${startupTable(results)}\n`,
  )
  if (args.ladder) console.log(`${ladderTable(results)}\n\n${LADDER_NOTES}\n`)
  for (const line of flagsText(results)) console.log(line)
  console.log(`\n${COLUMN_NOTES}\n`)
  console.log(`Wrote ${jsonPath}, ${svgPath}${args.writeResultsMd ? ' and bench/RESULTS.md' : ''}`)
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err)
    process.exit(1)
  },
)
