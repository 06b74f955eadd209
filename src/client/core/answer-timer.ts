import type { Clock, Timer } from './ports.js'

/**
 * How long the page has to acknowledge a segment request of the service worker before the worker fetches it itself
 * (ms). A page that is free acknowledges within milliseconds; one that takes longer has a busy main thread, which
 * must also hand over the bytes, so peers will not make it in time either. 1 s was measured to be too long: with 2 s
 * segments on a loaded machine, a page busy for 2 s held the worker for 1 s, and with its HTTP after that hls.js
 * took the response for a slow network (emergency abort to the lowest rendition, then a stall).
 */
export const ACK_TIMEOUT_MS = 300

/**
 * The service worker's wait for the page's answer to one segment request: the page must acknowledge within
 * ACK_TIMEOUT_MS (a page that is busy, frozen or gone does not), and then answer within the time its
 * acknowledgement promised. Either timeout gives up with its reason, once; the worker then fetches over HTTP.
 */
export class AnswerTimer {
  private timer: Timer | null
  private settled = false

  constructor(
    private readonly clock: Clock,
    private readonly onTimeout: (reason: string) => void,
    ackTimeoutMs = ACK_TIMEOUT_MS,
  ) {
    this.timer = clock.setTimer(ackTimeoutMs, () => this.expire('page did not acknowledge'))
  }

  /** The page acknowledged: it answers within `answerWithinMs`. */
  acknowledged(answerWithinMs: number): void {
    if (this.settled) return
    this.timer?.cancel()
    this.timer = this.clock.setTimer(Math.max(0, answerWithinMs), () => this.expire('page did not answer in time'))
  }

  /** The page answered or declined: no timeout any more. Returns false if a timeout already gave up. */
  settle(): boolean {
    if (this.settled) return false
    this.settled = true
    this.timer?.cancel()
    return true
  }

  private expire(reason: string): void {
    if (this.settled) return
    this.settled = true
    this.onTimeout(reason)
  }
}
