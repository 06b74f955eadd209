import { median, percentile } from '../stats.js'
import type { SimParams } from './model.js'
import { World } from './world.js'

/** One simulated audience, as `bench/results/sim.json` reports it. */
export interface SimRun {
  /** The delivery core's firstFetch policy. */
  policy: string
  viewers: number
  /** 1 - (segment bytes the origin served) / (segment bytes the players were handed), over the measured window. */
  originShare: number
  /** The offload ceiling 1 - 1/N: each segment must enter the swarm once. */
  ceiling: number
  stalls: number
  stallSeconds: number
  /**
   * ms from a segment's publication (or the viewer's joining, if later) to its completion at a viewer, for
   * segments a viewer got from peers alone.
   */
  readyP50Ms: number | null
  readyP95Ms: number | null
  httpFetchesPerSegment: number
  /** Of those, fetches of players that had nothing buffered: viewers starting (joins and churn), so linear in N. */
  startupFetchesPerSegment: number
  /** Most HTTP fetches any one segment had. */
  httpFetchesMaxSegment: number
  /** HTTP requests per segment (a fetch of scattered missing pieces takes up to 4 ranges). */
  httpRequestsPerSegment: number
  uploadRatioP50: number | null
  uploadRatioMax: number | null
  /** Viewers' median live latency in target durations: the median viewer's and the worst viewer's. */
  latencyTargets: { p50: number | null; max: number | null }
  startupMs: { p50: number | null; max: number | null }
  /** HTTP fetches the cores started, by reason (first, escalation, lottery, deadline), plus the players' own fallbacks. */
  httpByReason: Record<string, number>
  /** Wall-clock seconds the run took. */
  wallSeconds: number
}

const round = (value: number | null, digits = 3): number | null =>
  value === null || !Number.isFinite(value) ? null : Math.round(value * 10 ** digits) / 10 ** digits
const orNull = (values: number[], pick: (values: number[]) => number): number | null => (values.length ? pick(values) : null)

export function runSimulation(params: SimParams): SimRun {
  const started = performance.now()
  const world = new World(params)
  const joinMs = params.joinStaggerMs !== null ? params.joinStaggerMs * (params.viewers - 1) : params.joinWindowSeconds * 1000
  const endMs = (params.measureFromStart ? 0 : joinMs) + params.durationSeconds * 1000
  world.measureFrom = params.measureFromStart ? 0 : joinMs
  world.startStream(endMs)
  world.join()
  for (let index = 1; index < params.viewers; index++) {
    const at = params.joinStaggerMs !== null ? index * params.joinStaggerMs : world.random() * joinMs
    world.scheduler.setTimer(at, () => world.join())
  }
  scheduleChurn(world, joinMs, endMs)
  world.scheduler.runUntil(endMs)
  return measure(world, params, performance.now() - started)
}

/** From the end of the join window, `churnPerMinute` of the audience leaves and as many new viewers join. */
function scheduleChurn(world: World, fromMs: number, toMs: number): void {
  const perSecond = (world.params.viewers * world.params.churnPerMinute) / 60
  let owed = 0
  for (let at = fromMs; at < toMs; at += 1000) {
    world.scheduler.setTimer(at - world.scheduler.now(), () => {
      owed += perSecond
      for (; owed >= 1; owed--) {
        const leaving = world.randomPresent()
        if (leaving) world.leave(leaving)
        world.join()
      }
    })
  }
}

function measure(world: World, params: SimParams, wallMs: number): SimRun {
  const audience = world.audience
  const played = audience.reduce((sum, member) => sum + member.player.measuredBytes, 0)
  const ready = world.completions.filter((completion) => completion.peersOnly).map((completion) => completion.readyMs)
  const latencies = audience.filter((member) => member.player.latencies.length).map((member) => median(member.player.latencies))
  const startups = audience.map((member) => member.player.startupMs).filter((ms): ms is number => ms !== null)
  const ratios = audience
    .map(({ viewer }) => viewer.recorder.stats)
    .filter((stats) => stats.bytesFromPeers + stats.bytesFromHttp > 5 * (params.bitrate / 8) * params.segmentSeconds)
    .map((stats) => stats.bytesUploaded / (stats.bytesFromPeers + stats.bytesFromHttp))
  const segments = Math.max(1, world.publishedSince(world.measureFrom))
  const end = world.scheduler.now()
  const startupFetches = [...world.immediateBySequence.values()].reduce((sum, viewers) => sum + viewers.size, 0)
  return {
    policy: params.delivery.firstFetch.policy,
    viewers: params.viewers,
    originShare: round(played ? 1 - world.originBytes / played : 0)!,
    ceiling: round(1 - 1 / params.viewers)!,
    stalls: audience.reduce((sum, member) => sum + member.player.stalls, 0),
    stallSeconds: round(audience.reduce((sum, member) => sum + member.player.stallMsAt(end), 0) / 1000, 1)!,
    readyP50Ms: round(
      orNull(ready, (values) => percentile(values, 50)),
      0,
    ),
    readyP95Ms: round(
      orNull(ready, (values) => percentile(values, 95)),
      0,
    ),
    httpFetchesPerSegment: round(world.originFetches / segments, 2)!,
    startupFetchesPerSegment: round(startupFetches / segments, 2)!,
    httpFetchesMaxSegment: Math.max(0, ...[...world.fetchersBySequence.values()].map((fetchers) => fetchers.size)),
    httpRequestsPerSegment: round(world.originRequests / segments, 2)!,
    uploadRatioP50: round(orNull(ratios, median), 2),
    uploadRatioMax: round(
      orNull(ratios, (values) => Math.max(...values)),
      2,
    ),
    latencyTargets: {
      p50: round(orNull(latencies, median) === null ? null : median(latencies) / params.segmentSeconds, 2),
      max: round(orNull(latencies, (values) => Math.max(...values)) === null ? null : Math.max(...latencies) / params.segmentSeconds, 2),
    },
    startupMs: {
      p50: round(orNull(startups, median), 0),
      max: round(
        orNull(startups, (values) => Math.max(...values)),
        0,
      ),
    },
    httpByReason: { ...Object.fromEntries(world.httpReasons), player: world.plainFetches },
    wallSeconds: round(wallMs / 1000, 1)!,
  }
}
