import { abrWaitCapMs } from './abr-guard.js'
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

/**
 * The deadline of a request with this buffer, for segments of about `segmentBytes` (see httpReserveMs). With
 * `abrTopBandwidth` (the player times the wait, and chooses from a ladder with this top BANDWIDTH), the wait is
 * also capped so that the player's rendition choice is not lowered (abr-guard.ts).
 */
export function requestDeadline(
  bufferAheadMs: number | null,
  deadline: DeliveryConfig['deadline'],
  estimate: HttpEstimate | null,
  segmentBytes: number,
  abrTopBandwidth: number | null = null,
): RequestDeadline {
  const reserveMs = httpReserveMs(deadline, estimate, segmentBytes)
  const waitMs = p2pWaitMs(bufferAheadMs, deadline, reserveMs)
  if (abrTopBandwidth === null || estimate === null) return { waitMs, reserveMs }
  return { waitMs: Math.min(waitMs, abrWaitCapMs(segmentBytes, abrTopBandwidth, deadline.abrHeadroom, estimate)), reserveMs }
}

/** How long a segment request may wait for peers before HTTP must take over (ms). */
export function p2pWaitMs(bufferAheadMs: number | null, deadline: DeliveryConfig['deadline'], reserveMs = deadline.httpReserveMs): number {
  if (bufferAheadMs === null) return deadline.defaultWaitMs
  return Math.max(0, Math.min(deadline.maxWaitMs, bufferAheadMs - reserveMs))
}
