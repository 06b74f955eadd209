import type { DeliveryConfig } from './config.js'

/** How long a segment request may wait for peers before HTTP must take over (ms). */
export function p2pWaitMs(bufferAheadMs: number | null, deadline: DeliveryConfig['deadline']): number {
  if (bufferAheadMs === null) return deadline.defaultWaitMs
  return Math.max(0, Math.min(deadline.maxWaitMs, bufferAheadMs - deadline.httpReserveMs))
}
