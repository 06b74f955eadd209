import type { DeliveryConfig } from './config.js'
import { requestDeadline } from './deadline.js'
import type { HttpEstimate } from './http-estimate.js'
import type { Clock, Random, Timer } from './ports.js'
import type { SegmentFetch } from './segment-fetch.js'

export interface DeliveredSegment {
  bytes: Uint8Array<ArrayBuffer>
  source: 'peers' | 'http' | 'mixed'
  /** From the request to the bytes (ms). */
  waitedMs: number
  /** When HTTP was started for this request (at once, by its deadline or its lottery), ms after it; null if not. */
  httpAfterMs: number | null
  /** Why: 'immediate' when nothing beyond the reserve was buffered (startup, or no neighbour), else its timer. */
  httpReason: RequestHttpReason | null
  /** What plain HTTP of these bytes would typically have taken here (null before any HTTP fetch was timed). */
  httpEquivalent: { firstByteMs: number; transferMs: number } | null
}

export type RequestHttpReason = 'immediate' | 'deadline' | 'lottery'

export type RequestCallback = (result: DeliveredSegment | null, error?: Error) => void

export interface RequestContext {
  config: DeliveryConfig
  clock: Clock
  random: Random
  httpEstimate: HttpEstimate
  /** The size of a typical segment here (bytes; 0 if none yet): sizes the reserve until the torrent tells. */
  segmentBytesHint: number
  /**
   * The caller fetches over HTTP itself once peers had their time (the service worker, whose fetch does not wait
   * on this page's busy main thread): the request then ends with HttpHandedOver instead of starting HTTP here.
   */
  callerFetches: boolean
  /** The top BANDWIDTH of the ladder the player chooses this segment's rendition from, when it times the wait. */
  abrTopBandwidth: number | null
}

/** The request's deadline (or, with nothing buffered, the request itself) handed HTTP to the caller. */
export class HttpHandedOver extends Error {
  constructor(
    readonly reason: 'immediate' | 'deadline',
    readonly afterMs: number,
  ) {
    super(`${reason === 'deadline' ? 'peers were too slow' : 'nothing buffered'}: the caller fetches the segment over HTTP`)
  }
}

/**
 * One request of the player for a segment: wait for peers until the deadline (from how much the player has
 * buffered, counted from the request, whether or not the .torrent is in yet), then fetch what is missing over
 * HTTP; with the 'lottery' policy, also at a random point within the first share of the wait if no neighbour has
 * a missing piece. A whole-segment HTTP body is handed over as soon as it is complete, without waiting for the
 * .torrent or the hash checks: the HTTP path never waits on the P2P machinery. Calls back once, with the bytes or
 * an error (the caller then fetches over plain HTTP itself; HttpHandedOver when `callerFetches` says it does).
 */
export function serveRequest(fetch: SegmentFetch, bufferAheadMs: number | null, context: RequestContext, callback: RequestCallback): void {
  const { clock } = context
  const started = clock.now()
  const timers: Timer[] = []
  let httpAfterMs: number | null = null
  let httpReason: RequestHttpReason | null = null
  let pastDeadline = false
  let settled = false
  const unsubscribers: (() => void)[] = []
  const finish = (result: DeliveredSegment | null, error?: Error) => {
    if (settled) return
    settled = true
    for (const timer of timers) timer.cancel()
    for (const unsubscribe of unsubscribers) unsubscribe()
    callback(result, error)
  }
  /** `wholeHttpBody`: the bytes are one HTTP response, whatever peers sent meanwhile. */
  const deliver = (bytes: Uint8Array<ArrayBuffer>, wholeHttpBody = false) => {
    const fromBoth = fetch.httpBytes === 0 ? 'peers' : fetch.peerBytes === 0 ? 'http' : 'mixed'
    const source = wholeHttpBody ? 'http' : fromBoth
    const httpEquivalent = context.httpEstimate.typicalMs(bytes.length)
    finish({ bytes, source, waitedMs: clock.now() - started, httpAfterMs, httpReason, httpEquivalent })
  }
  const startHttp = (reason: RequestHttpReason) => {
    if (fetch.done || settled) return
    if (reason !== 'lottery' && context.callerFetches) return finish(null, new HttpHandedOver(reason, clock.now() - started))
    if (reason !== 'lottery') pastDeadline = true
    if (!fetch.httpRunning && httpAfterMs === null) {
      httpAfterMs = clock.now() - started
      httpReason = reason
    }
    fetch.startHttp(reason)
  }
  unsubscribers.push(
    fetch.onHttpFailure((error) => {
      // Before the deadline, peers may still make it and the deadline tries HTTP again; past it, the caller's own
      // plain HTTP fetch is the last resort.
      if (pastDeadline) finish(null, error)
    }),
  )
  fetch.whenReady((error) => error && finish(null, error))
  fetch.whenDone((error) => {
    if (error) return finish(null, error)
    fetch.swarm.read((bytes, readError) => (bytes ? deliver(bytes) : finish(null, readError ?? new Error('segment bytes unavailable'))))
  })
  if (settled || fetch.done) return
  unsubscribers.push(fetch.onHttpBody((body) => deliver(body, true)))
  if (settled) return
  scheduleHttp(fetch, bufferAheadMs, context, timers, startHttp)
}

/** Starts HTTP now, or sets the deadline (and the lottery's) timer: how long peers may try for this buffer. */
function scheduleHttp(
  fetch: SegmentFetch,
  bufferAheadMs: number | null,
  { clock, config, random, httpEstimate, segmentBytesHint, abrTopBandwidth }: RequestContext,
  timers: Timer[],
  startHttp: (reason: RequestHttpReason) => void,
): void {
  const bytes = fetch.shape?.length ?? segmentBytesHint
  const { waitMs } = requestDeadline(bufferAheadMs, config.deadline, httpEstimate, bytes, abrTopBandwidth)
  if (waitMs <= 0) return startHttp('immediate')
  timers.push(clock.setTimer(waitMs, () => startHttp('deadline')))
  if (config.firstFetch.policy === 'lottery' && config.firstFetch.lotteryShare > 0) {
    const at = random() * config.firstFetch.lotteryShare * waitMs
    timers.push(clock.setTimer(at, () => fetch.swarm.peersCanHelp() || startHttp('lottery')))
  }
}
