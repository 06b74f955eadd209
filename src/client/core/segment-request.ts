import type { DeliveryConfig } from './config.js'
import { httpReserveMs, p2pWaitMs } from './deadline.js'
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
}

/**
 * One request of the player for a segment: wait for peers until the deadline (from how much the player has
 * buffered), then fetch what is missing over HTTP; with the 'lottery' policy, also at a random point within the
 * first share of the wait if no neighbour has a missing piece. Calls back once, with the bytes or an error (the
 * caller then fetches over plain HTTP itself).
 */
export function serveRequest(fetch: SegmentFetch, bufferAheadMs: number | null, context: RequestContext, callback: RequestCallback): void {
  const { clock, config } = context
  const started = clock.now()
  const timers: Timer[] = []
  let httpAfterMs: number | null = null
  let httpReason: RequestHttpReason | null = null
  let pastDeadline = false
  let settled = false
  const unsubscribe = fetch.onHttpFailure((error) => {
    // Before the deadline, peers may still make it and the deadline tries HTTP again; past it, the caller's own
    // plain HTTP fetch is the last resort.
    if (pastDeadline) finish(null, error)
  })
  const finish = (result: DeliveredSegment | null, error?: Error) => {
    if (settled) return
    settled = true
    for (const timer of timers) timer.cancel()
    unsubscribe()
    callback(result, error)
  }
  const startHttp = (reason: RequestHttpReason) => {
    if (fetch.done || settled) return
    if (reason !== 'lottery') pastDeadline = true
    if (!fetch.httpRunning && httpAfterMs === null) {
      httpAfterMs = clock.now() - started
      httpReason = reason
    }
    fetch.startHttp(reason)
  }
  fetch.whenReady((error) => {
    if (error) return finish(null, error)
    if (fetch.done) return
    const reserve = httpReserveMs(config.deadline, context.httpEstimate, fetch.shape?.length ?? 0)
    const waitMs = p2pWaitMs(bufferAheadMs, config.deadline, reserve)
    if (waitMs <= 0) return startHttp('immediate')
    timers.push(clock.setTimer(waitMs, () => startHttp('deadline')))
    if (config.firstFetch.policy === 'lottery' && config.firstFetch.lotteryShare > 0) {
      const at = context.random() * config.firstFetch.lotteryShare * waitMs
      timers.push(clock.setTimer(at, () => fetch.swarm.peersCanHelp() || startHttp('lottery')))
    }
  })
  fetch.whenDone((error) => {
    if (error) return finish(null, error)
    fetch.swarm.read((bytes, readError) => {
      if (!bytes) return finish(null, readError ?? new Error('segment bytes unavailable'))
      const source = fetch.httpBytes === 0 ? 'peers' : fetch.peerBytes === 0 ? 'http' : 'mixed'
      const httpEquivalent = context.httpEstimate.typicalMs(bytes.length)
      finish({ bytes, source, waitedMs: clock.now() - started, httpAfterMs, httpReason, httpEquivalent })
    })
  })
}
