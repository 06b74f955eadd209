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

/** One request's deadline: how long it waits for peers, and the reserve kept for HTTP after that (ms). */
export interface RequestDeadline {
  waitMs: number
  reserveMs: number
}

/** The deadline of a request with this buffer, for segments of about `segmentBytes` (see httpReserveMs). */
export function requestDeadline(
  bufferAheadMs: number | null,
  deadline: DeliveryConfig['deadline'],
  estimate: HttpEstimate | null,
  segmentBytes: number,
): RequestDeadline {
  const reserveMs = httpReserveMs(deadline, estimate, segmentBytes)
  return { waitMs: p2pWaitMs(bufferAheadMs, deadline, reserveMs), reserveMs }
}

/** How long a segment request may wait for peers before HTTP must take over (ms). */
export function p2pWaitMs(bufferAheadMs: number | null, deadline: DeliveryConfig['deadline'], reserveMs = deadline.httpReserveMs): number {
  if (bufferAheadMs === null) return deadline.defaultWaitMs
  return Math.max(0, Math.min(deadline.maxWaitMs, bufferAheadMs - reserveMs))
}
