/**
 * From what the pages and the origin counted to the numbers the report shows. Two independent counts of offload:
 *  - origin side: 1 - (segment and LL-HLS part bytes the origin served) / (media bytes the viewers' players were handed);
 *  - client side: bytes from peers / (bytes from peers + over HTTP), as each system's own client reports them.
 * They are computed from different sources on purpose; a gap over 5 points is flagged.
 */
import { median, percentile } from '../stats.js'
import { mediaBytes, type ServedBytes } from './origin.js'
import type { ModeName } from './modes/index.js'
import type { PageFinal, PageSnapshot, StartupBreakdown } from './page.js'
import type { BenchViewer } from './viewers.js'
import { selection, type Selection } from '../../test/support/ladder.js'

export const DISAGREEMENT_LIMIT = 0.05

export interface Spread {
  count: number
  p50: number | null
  p95: number | null
}

export interface ViewerResult {
  name: string
  ok: boolean
  failure: string | null
  /** Delivery path the page settled on (live-torrent: 'service-worker' | 'loader' | 'http'). */
  path: string | null
  /** Navigation start to the first frame ('playing'), seconds. */
  startupSeconds: number | null
  /** Navigation start to hls.loadSource(), seconds (live-torrent waits for its worker first). */
  loadSourceSeconds: number | null
  /** Where the startup went (page script, worker control, playlist, first segment, first frame), ms. */
  startupBreakdown: StartupBreakdown | null
  stalls: number
  stallSeconds: number
  /** Median of hls.latency sampled every second after the first frame. */
  latencySeconds: number | null
  playedSeconds: number
  fragments: number
  /** Segment bytes the player was handed (every load; with the browser cache off each one crossed the network). */
  playedBytes: number
  /** Of those, fragments the player loaded again (after an hls.js restart or a seek back), and their bytes. */
  reloads: number
  reloadBytes: number
  /** The client's own counts. */
  peersBytes: number
  httpBytes: number
  uploadedBytes: number
  neighbours: number
  p2pShare: number | null
  /** Seconds from a segment's first listing in the origin playlist to its completion from peers. */
  p2pReady: Spread
  /** live-torrent: how long segments waited for peers before being handed over (ms), and the first one's wait. */
  waitedMs: Spread
  firstSegmentWaitedMs: number | null
  segmentsBySource: Record<string, number>
  /** Where each segment came from, in the order the client handed them over: h(ttp), p(eers), m(ixed). */
  segmentSources: string
  fatalErrors: number
  /** Fresh hls.js instances the page had to start after unrecoverable errors. */
  restarts: number
  liveSyncDurationCount: number | null
  /** The renditions hls.js selected: time-weighted mean declared bitrate, time at the top one, switches. */
  selection: Selection
  /** Bytes the player was handed per rendition, and how many of them came from peers (live-torrent's count). */
  renditions: Record<string, { playedBytes: number; peersBytes: number }>
  errors: string[]
}

export interface RenditionShare {
  rendition: string
  playedBytes: number
  peersBytes: number
  /** peersBytes / playedBytes (null before any byte). */
  share: number | null
}

export interface TimelinePoint {
  /** Seconds since the first viewer opened. */
  t: number
  originSegmentBytes: number
  playedBytes: number
  /** Cumulative origin-side offload so far (null before any byte was played). */
  offload: number | null
}

export interface ModeResult {
  mode: ModeName
  description: string
  startedAt: string
  durationSeconds: number
  viewers: ViewerResult[]
  viewersOk: number
  origin: { segmentBytes: number; playlistBytes: number; torrentBytes: number; otherBytes: number }
  playedBytes: number
  /** Of playedBytes, fragments players loaded again (after hls.js restarts). */
  reloadBytes: number
  clientPeersBytes: number
  clientHttpBytes: number
  offloadOrigin: number | null
  offloadClients: number | null
  /** |offloadOrigin - offloadClients|, in share points (0..1). */
  disagreement: number | null
  flagged: boolean
  startupMedianSeconds: number | null
  startupMaxSeconds: number | null
  /** Per milestone of StartupBreakdown, the median over the viewers that reached it (ms). */
  startupBreakdownMedians: Record<keyof StartupBreakdown, number | null>
  stallsTotal: number
  stallSecondsTotal: number
  latencyMedianSeconds: number | null
  p2pReady: Spread
  /** Mean over the viewers that played of their time-weighted mean selected bitrate (kbit/s), and of their time at the top rendition. */
  selectedKbpsMean: number | null
  topShareMean: number | null
  levelSwitchesTotal: number
  /** Per rendition, over all viewers (one entry for a single-rendition stream). */
  renditions: RenditionShare[]
  cpuBusyMean: number | null
  /** Machine CPU used by processes outside the bench (other work on a shared machine), mean share. */
  cpuOthersMean: number | null
  timeline: TimelinePoint[]
}

const round = (value: number, digits = 3): number => Math.round(value * 10 ** digits) / 10 ** digits
const orNull = (value: number): number | null => (Number.isFinite(value) ? value : null)

function spread(values: number[]): Spread {
  return { count: values.length, p50: orNull(round(percentile(values, 50), 2)), p95: orNull(round(percentile(values, 95), 2)) }
}

/**
 * Seconds from a segment's first listing to its completion from peers, for the segments that completed from peers.
 * A segment listed before the viewer opened counts from its opening: a viewer that joins behind the edge fetches
 * those from peers as it starts, and they were never late for it.
 */
function p2pReadySeconds(segs: PageFinal['segs'], firstSeen: Map<string, number>, openedAt: number | null): number[] {
  const out: number[] = []
  for (const seg of segs) {
    if (seg.source !== 'peers' || seg.completedAt === null) continue
    const seen = firstSeen.get(seg.id)
    if (seen !== undefined) out.push(Math.max(0, (seg.completedAt - Math.max(seen, openedAt ?? 0)) / 1000))
  }
  return out
}

/** Played bytes per rendition, and the peer bytes of the segments the watch filed under each one. */
function renditionBytes(f: PageFinal | null, renditionOf: Map<string, string>): ViewerResult['renditions'] {
  const out: ViewerResult['renditions'] = {}
  const entry = (name: string) => (out[name] ??= { playedBytes: 0, peersBytes: 0 })
  for (const [name, bytes] of Object.entries(f?.renditionBytes ?? {})) entry(name).playedBytes += bytes
  for (const [infoHash, bytes] of Object.entries(f?.peerBytesByHash ?? {}))
    entry(renditionOf.get(infoHash) ?? 'unknown').peersBytes += bytes
  return out
}

const MILESTONES: (keyof StartupBreakdown)[] = [
  'pageScriptMs',
  'hlsjsMs',
  'workerControlMs',
  'loadSourceMs',
  'playlistMs',
  'firstSegmentMs',
  'firstFrameMs',
  'firstNeighbourMs',
]

function breakdownMedians(breakdowns: (StartupBreakdown | null)[]): Record<keyof StartupBreakdown, number | null> {
  const medians = {} as Record<keyof StartupBreakdown, number | null>
  for (const milestone of MILESTONES) {
    const values = breakdowns.map((b) => b?.[milestone]).filter((ms): ms is number => typeof ms === 'number')
    medians[milestone] = values.length ? Math.round(median(values)) : null
  }
  return medians
}

export function viewerResult(viewer: BenchViewer, firstSeen: Map<string, number>, renditionOf: Map<string, string>): ViewerResult {
  const f: PageFinal | null = viewer.final
  const s: PageSnapshot | null = f ?? viewer.last
  const played = s?.startupMs !== null && s?.startupMs !== undefined
  const failure = viewer.failure ?? (played ? null : s ? 'never played' : 'page never reported')
  const peers = s?.client.peers ?? 0
  const http = s?.client.http ?? 0
  const waited = (f?.segs ?? []).map((seg) => seg.waitedMs).filter((ms): ms is number => ms !== null)
  const bySource: Record<string, number> = {}
  for (const seg of f?.segs ?? []) bySource[seg.source] = (bySource[seg.source] ?? 0) + 1
  return {
    name: viewer.name,
    ok: failure === null,
    failure,
    path: s?.path ?? null,
    startupSeconds: played ? round(s!.startupMs! / 1000, 2) : null,
    loadSourceSeconds: s?.loadSourceAtMs != null ? round(s.loadSourceAtMs / 1000, 2) : null,
    startupBreakdown: f?.startupBreakdown ?? null,
    stalls: s?.stalls ?? 0,
    stallSeconds: round((s?.stallMs ?? 0) / 1000, 2),
    latencySeconds: f && f.latencies.length ? round(median(f.latencies), 2) : null,
    playedSeconds: round(s?.playedSeconds ?? 0, 1),
    fragments: s?.frags ?? 0,
    playedBytes: s?.fragBytes ?? 0,
    reloads: (s?.frags ?? 0) - (s?.uniqueFrags ?? 0),
    reloadBytes: (s?.fragBytes ?? 0) - (s?.uniqueBytes ?? 0),
    peersBytes: peers,
    httpBytes: http,
    uploadedBytes: s?.client.uploaded ?? 0,
    neighbours: s?.client.neighbours ?? 0,
    p2pShare: peers + http > 0 ? round(peers / (peers + http)) : null,
    p2pReady: spread(p2pReadySeconds(f?.segs ?? [], firstSeen, viewer.openedAt)),
    waitedMs: spread(waited),
    firstSegmentWaitedMs: waited[0] ?? null,
    segmentsBySource: bySource,
    segmentSources: (f?.segs ?? []).map((seg) => seg.source.charAt(0)).join(''),
    fatalErrors: s?.fatal ?? 0,
    restarts: s?.restarts ?? 0,
    liveSyncDurationCount: f?.liveSyncDurationCount ?? null,
    selection: selection(f?.played ?? []),
    renditions: renditionBytes(f, renditionOf),
    errors: [...(f?.errors ?? []), ...viewer.console].slice(0, 20),
  }
}

export interface ModeInputs {
  mode: ModeName
  description: string
  startedAt: Date
  durationSeconds: number
  viewers: BenchViewer[]
  firstSeen: Map<string, number>
  /** Infohash -> rendition name, for a ladder source. */
  renditionOf: Map<string, string>
  served: ServedBytes
  /** Playlist bytes the bench itself fetched (taken off the origin's playlist count). */
  watcherPlaylistBytes: number
  cpuBusyMean: number | null
  cpuOthersMean: number | null
  timeline: TimelinePoint[]
}

export function modeResult(input: ModeInputs): ModeResult {
  const viewers = input.viewers.map((viewer) => viewerResult(viewer, input.firstSeen, input.renditionOf))
  const ok = viewers.filter((v) => v.ok)
  const sum = (pick: (v: ViewerResult) => number): number => viewers.reduce((total, v) => total + pick(v), 0)
  const playedBytes = sum((v) => v.playedBytes)
  const clientPeersBytes = sum((v) => v.peersBytes)
  const clientHttpBytes = sum((v) => v.httpBytes)
  const offloadOrigin = playedBytes > 0 ? round(1 - mediaBytes(input.served) / playedBytes, 4) : null
  const clientTotal = clientPeersBytes + clientHttpBytes
  const offloadClients = clientTotal > 0 ? round(clientPeersBytes / clientTotal, 4) : null
  const disagreement = offloadOrigin !== null && offloadClients !== null ? round(Math.abs(offloadOrigin - offloadClients), 4) : null
  const startups = ok.map((v) => v.startupSeconds!).filter((x) => x !== null)
  const latencies = ok.map((v) => v.latencySeconds).filter((x): x is number => x !== null)
  const allReady: number[] = []
  for (const viewer of input.viewers) allReady.push(...p2pReadySeconds(viewer.final?.segs ?? [], input.firstSeen, viewer.openedAt))
  return {
    mode: input.mode,
    description: input.description,
    startedAt: input.startedAt.toISOString(),
    durationSeconds: input.durationSeconds,
    viewers,
    viewersOk: ok.length,
    origin: {
      segmentBytes: mediaBytes(input.served),
      playlistBytes: Math.max(0, input.served.playlist - input.watcherPlaylistBytes),
      torrentBytes: input.served.torrent,
      otherBytes: input.served.asset + input.served.page,
    },
    playedBytes,
    reloadBytes: sum((v) => v.reloadBytes),
    clientPeersBytes,
    clientHttpBytes,
    offloadOrigin,
    offloadClients,
    disagreement,
    flagged: disagreement === null || disagreement > DISAGREEMENT_LIMIT,
    startupMedianSeconds: startups.length ? round(median(startups), 2) : null,
    startupMaxSeconds: startups.length ? round(Math.max(...startups), 2) : null,
    startupBreakdownMedians: breakdownMedians(ok.map((v) => v.startupBreakdown)),
    stallsTotal: sum((v) => v.stalls),
    stallSecondsTotal: round(
      sum((v) => v.stallSeconds),
      2,
    ),
    latencyMedianSeconds: latencies.length ? round(median(latencies), 2) : null,
    p2pReady: spread(allReady),
    ...selectedBitrates(ok),
    renditions: renditionShares(viewers),
    cpuBusyMean: input.cpuBusyMean === null ? null : round(input.cpuBusyMean, 3),
    cpuOthersMean: input.cpuOthersMean === null ? null : round(input.cpuOthersMean, 3),
    timeline: input.timeline,
  }
}

function selectedBitrates(ok: ViewerResult[]): Pick<ModeResult, 'selectedKbpsMean' | 'topShareMean' | 'levelSwitchesTotal'> {
  const means = ok.map((v) => v.selection.meanKbps).filter((x): x is number => x !== null)
  const tops = ok.map((v) => v.selection.topShare).filter((x): x is number => x !== null)
  const mean = (values: number[]) => (values.length ? values.reduce((a, b) => a + b, 0) / values.length : null)
  const selectedKbpsMean = mean(means)
  const topShareMean = mean(tops)
  return {
    selectedKbpsMean: selectedKbpsMean === null ? null : round(selectedKbpsMean, 0),
    topShareMean: topShareMean === null ? null : round(topShareMean),
    levelSwitchesTotal: ok.reduce((sum, v) => sum + v.selection.switches, 0),
  }
}

function renditionShares(viewers: ViewerResult[]): RenditionShare[] {
  const totals = new Map<string, { playedBytes: number; peersBytes: number }>()
  for (const viewer of viewers)
    for (const [rendition, bytes] of Object.entries(viewer.renditions)) {
      const total = totals.get(rendition) ?? { playedBytes: 0, peersBytes: 0 }
      total.playedBytes += bytes.playedBytes
      total.peersBytes += bytes.peersBytes
      totals.set(rendition, total)
    }
  return [...totals]
    .sort(([a], [b]) => a.localeCompare(b, 'en', { numeric: true }))
    .map(([rendition, t]) => ({ rendition, ...t, share: t.playedBytes > 0 ? round(t.peersBytes / t.playedBytes, 4) : null }))
}
