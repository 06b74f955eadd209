import type { ClientConfig } from './config.js'
import type { SegmentSwarm } from './segment-swarm.js'

/** How long a segment request may wait for peers before HTTP must take over (ms). */
export function p2pWaitMs(bufferAheadMs: number | null, deadline: ClientConfig['deadline']): number {
  if (bufferAheadMs === null) return deadline.defaultWaitMs
  return Math.max(0, Math.min(deadline.maxWaitMs, bufferAheadMs - deadline.httpReserveMs))
}

export interface DeliveredSegment {
  bytes: Uint8Array<ArrayBuffer>
  source: 'peers' | 'http' | 'mixed'
  waitedMs: number
  /** When HTTP was started, ms after the request (null: peers alone). */
  httpAfterMs: number | null
}

/**
 * Delivers a segment: from peers if they complete it within `waitMs`, else with HTTP added for the missing pieces.
 * The HTTP lottery: if no neighbour has any missing piece at a random point within the first `lotteryShare` of
 * the wait, HTTP starts then, so that among viewers asking at once one fetches early and the others take it from
 * that one instead of all waiting the full deadline and all fetching.
 */
export async function deliver(swarm: SegmentSwarm, waitMs: number, lotteryShare: number): Promise<DeliveredSegment> {
  const started = performance.now()
  let httpAfterMs: number | null = null
  const startHttp = () => {
    if (swarm.done || httpAfterMs !== null) return
    httpAfterMs = performance.now() - started
    swarm.startHttp()
  }
  const timers: ReturnType<typeof setTimeout>[] = []
  if (!swarm.done) {
    if (waitMs <= 0) startHttp()
    else {
      if (lotteryShare > 0) timers.push(setTimeout(() => swarm.peersCanHelp() || startHttp(), Math.random() * lotteryShare * waitMs))
      timers.push(setTimeout(startHttp, waitMs))
    }
  }
  try {
    await swarm.whenDone()
  } finally {
    timers.forEach(clearTimeout)
  }
  const bytes = await swarm.bytes()
  const source = swarm.usedHttp ? (swarm.hadPeerBytes ? 'mixed' : 'http') : 'peers'
  return { bytes, source, waitedMs: performance.now() - started, httpAfterMs }
}
