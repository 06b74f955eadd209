import type { DeliveryConfig } from './config.js'
import type { HttpEstimate } from './http-estimate.js'

/**
 * The time kept in reserve for HTTP before the player's buffer runs out (ms): before any HTTP fetch was measured
 * `httpReserveMs`, then `reserveFactor` times the measured time to fetch a whole segment, at least
 * `minHttpReserveMs`. A fast connection thus gives peers more of the buffer, a slow one gives HTTP more.
 */
export function httpReserveMs(deadline: DeliveryConfig['deadline'], estimate: HttpEstimate | null, segmentBytes: number): number {
  const measured = estimate?.fetchMs(segmentBytes) ?? null
  if (measured === null) return deadline.httpReserveMs
  return Math.max(deadline.minHttpReserveMs, deadline.reserveFactor * measured)
}

/**
 * How long the service worker waits for the page's answer before it fetches the segment itself (ms after the
 * request): the wait for peers, then pageHttpShare of the reserve for the page's own HTTP of the missing pieces.
 */
export function workerFallbackMs(waitMs: number, reserveMs: number, deadline: DeliveryConfig['deadline']): number {
  return waitMs + deadline.pageHttpShare * reserveMs
}

/** How long a segment request may wait for peers before HTTP must take over (ms). */
export function p2pWaitMs(bufferAheadMs: number | null, deadline: DeliveryConfig['deadline'], reserveMs = deadline.httpReserveMs): number {
  if (bufferAheadMs === null) return deadline.defaultWaitMs
  return Math.max(0, Math.min(deadline.maxWaitMs, bufferAheadMs - reserveMs))
}
