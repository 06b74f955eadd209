import type { HttpEstimate } from './http-estimate.js'

/**
 * The longest wait for peers (ms) that leaves a player's choice of rendition where plain HTTP would leave it, for
 * a request whose wait the player times as network time: through the service worker, the player sees the wait
 * plus the worker's HTTP as one slow response and lowers its bandwidth estimate (hls.js 1.x divides the bytes by
 * the load time, and switches up only while 0.7 x its estimate covers the next rendition's BANDWIDTH).
 *
 * The response must therefore look at least `headroom` x the ladder's top BANDWIDTH fast, or as fast as HTTP is
 * here when HTTP itself is slower: the whole response then fits in `bytes / that rate`, and the wait is what is
 * left of it once the HTTP that may follow has had its (conservative) time. A connection too slow for the
 * headroom gives no wait at all: such a request is served by peers only if they already have the segment.
 * Before any HTTP fetch was timed, half the response's time is kept for HTTP.
 */
export function abrWaitCapMs(segmentBytes: number, topBandwidth: number, headroom: number, estimate: HttpEstimate): number {
  if (headroom === 0) return Infinity
  const bits = segmentBytes * 8
  let requiredBitsPerMs = (topBandwidth * headroom) / 1000
  const typical = estimate.typicalMs(segmentBytes)
  if (typical) requiredBitsPerMs = Math.min(requiredBitsPerMs, bits / Math.max(1, typical.firstByteMs + typical.transferMs))
  const responseMs = bits / requiredBitsPerMs
  const httpMs = estimate.fetchMs(segmentBytes) ?? responseMs / 2
  return Math.max(0, responseMs - httpMs)
}
