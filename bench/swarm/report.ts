/**
 * The run's report: two aligned Markdown tables (per mode, per viewer) for the terminal and bench/RESULTS.md,
 * and the JSON with everything measured.
 */
import { cpus } from 'node:os'
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { writeResults } from '../stats.js'
import type { BenchArgs } from './args.js'
import { DISAGREEMENT_LIMIT, type ModeResult, type Spread } from './metrics.js'

export interface RunReport {
  command: string
  date: string
  machine: { cores: number; cpuModel: string; memoryGb: number; node: string }
  stream: string
  args: BenchArgs
  versions: Record<string, string>
  /** The product's code as run: commit, and whether src/ had uncommitted changes (others work in this checkout). */
  git: { commit: string; srcDirty: boolean }
  modes: ModeResult[]
}

const mb = (bytes: number) => (bytes / 1e6).toFixed(1)
const pct = (share: number | null) => (share === null ? '-' : `${(share * 100).toFixed(1)} %`)
const num = (value: number | null, digits = 1) => (value === null ? '-' : value.toFixed(digits))
const spread = (s: Spread) => (s.count === 0 ? '-' : `${num(s.p50)} / ${num(s.p95)}`)

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)))
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`
  return [line(header), `| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`, ...rows.map(line)].join('\n')
}

export function modeTable(modes: ModeResult[]): string {
  const header = [
    'mode',
    'viewers ok',
    'offload (origin)',
    'offload (clients)',
    'agree',
    'startup p50 / max s',
    'stalls n / s',
    'latency p50 s',
    'P2P ready p50 / p95 s',
    'played MB',
    'origin seg MB',
    'peers MB',
    'HTTP MB',
    'origin other kB',
    'CPU all / others',
  ]
  const rows = modes.map((m) => [
    m.mode,
    `${m.viewersOk}/${m.viewers.length}`,
    pct(m.offloadOrigin),
    pct(m.offloadClients),
    m.disagreement === null
      ? 'n/a'
      : m.flagged
        ? `NO (${(m.disagreement * 100).toFixed(1)} pt)`
        : `yes (${(m.disagreement * 100).toFixed(1)} pt)`,
    `${num(m.startupMedianSeconds)} / ${num(m.startupMaxSeconds)}`,
    `${m.stallsTotal} / ${m.stallSecondsTotal.toFixed(1)}`,
    num(m.latencyMedianSeconds),
    spread(m.p2pReady),
    mb(m.playedBytes),
    mb(m.origin.segmentBytes),
    mb(m.clientPeersBytes),
    mb(m.clientHttpBytes),
    ((m.origin.playlistBytes + m.origin.torrentBytes + m.origin.otherBytes) / 1e3).toFixed(0),
    m.cpuBusyMean === null ? '-' : `${Math.round(m.cpuBusyMean * 100)} / ${Math.round((m.cpuOthersMean ?? 0) * 100)} %`,
  ])
  return table(header, rows)
}

export function viewerTable(modes: ModeResult[]): string {
  const header = [
    'mode',
    'viewer',
    'status',
    'path',
    'startup s',
    'stalls n / s',
    'latency s',
    'played s',
    'played MB',
    'peers MB',
    'HTTP MB',
    'P2P share',
    'up MB',
    'P2P ready p50 / p95 s',
  ]
  const rows = modes.flatMap((m) =>
    m.viewers.map((v) => [
      m.mode,
      v.name,
      v.ok ? 'ok' : `FAILED: ${v.failure}`,
      v.path ?? '-',
      num(v.startupSeconds),
      `${v.stalls} / ${v.stallSeconds.toFixed(1)}`,
      num(v.latencySeconds),
      v.playedSeconds.toFixed(0),
      mb(v.playedBytes),
      mb(v.peersBytes),
      mb(v.httpBytes),
      pct(v.p2pShare),
      mb(v.uploadedBytes),
      spread(v.p2pReady),
    ]),
  )
  return table(header, rows)
}

/** For a ladder source: what each mode's players selected, against the http baseline, and the share per rendition. */
export function ladderTable(modes: ModeResult[]): string {
  const baseline = modes.find((m) => m.mode === 'http')?.selectedKbpsMean ?? null
  const header = ['mode', 'selected kbit/s (mean)', 'vs http', 'at top rendition', 'switches', 'P2P share per rendition (clients)']
  const rows = modes.map((m) => [
    m.mode,
    num(m.selectedKbpsMean, 0),
    baseline && m.selectedKbpsMean !== null ? `${(m.selectedKbpsMean / baseline).toFixed(2)}x` : '-',
    pct(m.topShareMean),
    String(m.levelSwitchesTotal),
    m.renditions.map((r) => `${r.rendition} ${pct(r.share)} of ${mb(r.playedBytes)} MB`).join(' · '),
  ])
  return table(header, rows)
}

/** Where the startup went, per mode: medians over the viewers of each milestone, ms after navigation start. */
export function startupTable(modes: ModeResult[]): string {
  const header = [
    'mode',
    'page script',
    'hls.js',
    'worker in control',
    'loadSource',
    'first playlist',
    'first segment',
    'first frame',
    'first neighbour',
  ]
  const ms = (value: number | null) => (value === null ? '-' : String(value))
  const rows = modes.map((m) => {
    const b = m.startupBreakdownMedians
    return [
      m.mode,
      ms(b.pageScriptMs),
      ms(b.hlsjsMs),
      ms(b.workerControlMs),
      ms(b.loadSourceMs),
      ms(b.playlistMs),
      ms(b.firstSegmentMs),
      ms(b.firstFrameMs),
      ms(b.firstNeighbourMs),
    ]
  })
  return table(header, rows)
}

export const LADDER_NOTES = `Ladder columns: **selected kbit/s** the time-weighted mean of the declared bitrates (BANDWIDTH) of the levels whose fragments each player played (hls.js FRAG_CHANGED), averaged over the viewers that played; **vs http** the ratio to plain hls.js in the same run; **at top rendition** the share of played time on the highest level; **switches** level changes between consecutive played fragments, all viewers; **P2P share per rendition** bytes from peers (live-torrent's verified peer bytes, filed under the rendition whose playlist listed the segment) over the bytes the players were handed for that rendition.`

export const COLUMN_NOTES = `Columns:
- **offload (origin)**: 1 - (segment bytes the origin served) / (segment bytes the viewers' players were handed), counted on the origin (its \`live_torrent_bytes_served_total{kind="segment"}\`) and in the pages (fragment loader callbacks) independently of what any P2P client reports.
- **offload (clients)**: bytes from peers / (bytes from peers + bytes over HTTP) as each system's client reports them (live-torrent: \`window.liveTorrent.stats\`; p2p-media-loader: its \`onChunkDownloaded\` events; http: all fragment bytes). **agree**: whether the two offload figures are within ${DISAGREEMENT_LIMIT * 100} points.
- **startup**: navigation start to the first \`playing\` event (includes live-torrent's wait for its service worker). **stalls**: \`waiting\` events after the first frame, and their total time until \`playing\` again.
- **latency**: how far behind the live edge the player plays (\`hls.latency\`, sampled every second after the first frame; median per viewer, then median over viewers).
- **P2P ready**: seconds from a segment's first listing in the origin's playlist (polled every 250 ms), or from the viewer's opening for a segment listed before it, to its completion from peers (live-torrent: last verified peer piece of a segment delivered from peers alone; p2p-media-loader: \`onSegmentLoaded\` from p2p), p50 / p95 over all such segments.
- **played MB**: segment bytes handed to the players, every load (the viewers' HTTP cache is off, so each load crossed the network, from the origin or from peers; fragments loaded again after an hls.js restart are also in the JSON as \`reloadBytes\`); **origin seg MB**: segment bytes the origin served; **peers MB / HTTP MB**: the clients' own counts; **origin other kB**: playlists (minus the bench's own polling), .torrent files and other assets the origin served; **CPU all / others**: whole-machine busy share during the mode, and the part of it used by processes outside the bench (the machine is shared).
- Per viewer: **path** the delivery path the page settled on; **up MB** bytes it uploaded to peers; a viewer that never played or whose page crashed is listed as FAILED.`

function versionOf(pkg: string): string {
  try {
    return (JSON.parse(readFileSync(new URL(`../../node_modules/${pkg}/package.json`, import.meta.url), 'utf8')) as { version: string })
      .version
  } catch {
    return 'unknown'
  }
}

export function buildReport(command: string, args: BenchArgs, stream: string, modes: ModeResult[], git: RunReport['git']): RunReport {
  const model = cpus()[0]?.model ?? 'unknown'
  return {
    command,
    date: new Date().toISOString(),
    machine: {
      cores: cpus().length,
      cpuModel: model,
      memoryGb: Math.round(Number(readMemTotalKb()) / 1024 / 1024),
      node: process.version,
    },
    stream,
    args,
    versions: Object.fromEntries(
      ['hls.js', 'p2p-media-loader-core', 'p2p-media-loader-hlsjs', 'webtorrent', 'playwright-core'].map((p) => [p, versionOf(p)]),
    ),
    git,
    modes,
  }
}

/** Read when the bundles are built, at the start of a run. */
export function gitState(): { commit: string; srcDirty: boolean } {
  const git = (...args: string[]) => execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim()
  try {
    return { commit: git('rev-parse', '--short', 'HEAD'), srcDirty: git('status', '--porcelain', 'src').length > 0 }
  } catch {
    return { commit: 'unknown', srcDirty: false }
  }
}

function readMemTotalKb(): number {
  try {
    return Number(/MemTotal:\s+(\d+)/.exec(readFileSync('/proc/meminfo', 'utf8'))?.[1] ?? 0)
  } catch {
    return 0
  }
}

export async function writeJson(path: string, report: RunReport): Promise<void> {
  await writeResults(path, report)
}

export function flagsText(modes: ModeResult[]): string[] {
  const lines: string[] = []
  for (const m of modes) {
    if (m.flagged)
      lines.push(
        `DISAGREEMENT in ${m.mode}: offload origin ${pct(m.offloadOrigin)} vs clients ${pct(m.offloadClients)} ` +
          `(origin served ${mb(m.origin.segmentBytes)} MB of segments; clients report ${mb(m.clientHttpBytes)} MB over HTTP, ${mb(m.clientPeersBytes)} MB from peers; players got ${mb(m.playedBytes)} MB` +
          (m.reloadBytes > 0 ? `, ${mb(m.reloadBytes)} MB of which loaded again after hls.js restarts` : '') +
          ')',
      )
    if (m.mode === 'http' && m.offloadOrigin !== null && Math.abs(m.offloadOrigin) > 0.01)
      lines.push(`CHECK: the http baseline shows an origin-side offload of ${pct(m.offloadOrigin)} (expected 0 %)`)
    for (const v of m.viewers) if (!v.ok) lines.push(`FAILED viewer ${m.mode}/${v.name}: ${v.failure}`)
    for (const v of m.viewers)
      if (v.restarts > 0)
        lines.push(
          `${m.mode}/${v.name}: hls.js restarted ${v.restarts}x after fatal errors (${v.errors.find((e) => e.startsWith('hls fatal'))?.split('\n')[0] ?? ''})`,
        )
    if (m.cpuOthersMean !== null && m.cpuOthersMean > 0.2)
      lines.push(
        `${m.mode}: other processes used ${Math.round(m.cpuOthersMean * 100)} % of the machine during this mode (the viewers competed for CPU)`,
      )
  }
  return lines
}
