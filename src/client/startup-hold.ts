import type { Clock, Timer } from './core/ports.js'

/**
 * The startup hold. A player's startup loads a few segments back to back: the one it starts at, then the ones up
 * to the live edge, to fill its buffer. Before this viewer has a neighbour, each of them would go over HTTP, and
 * with 6 viewers of a 2-minute stream that was a third of all HTTP segment bytes. The hold keeps a request that
 * the buffer lets wait (its P2P deadline, core/deadline.ts) until the first neighbour connects, then hands it to
 * the delivery core, which takes it from peers (the segments behind the edge are complete there) or, past the
 * deadline, over HTTP. The request the player needs at once (an empty buffer) is never held.
 *
 * The hold closes for good at the first neighbour, once P2P is off, or `windowMs` after P2P starts: a viewer
 * alone in its stream must not hold every request it makes.
 */
export class StartupHold {
  private closed: boolean
  private readonly waiters = new Set<() => void>()
  private windowTimer: Timer | null = null

  constructor(
    private readonly clock: Clock,
    private readonly windowMs: number,
  ) {
    this.closed = windowMs === 0
  }

  get open(): boolean {
    return !this.closed
  }

  /** P2P starts now: the hold closes `windowMs` from now at the latest. */
  p2pStarting(): void {
    if (!this.closed && !this.windowTimer) this.windowTimer = this.clock.setTimer(this.windowMs, () => this.close())
  }

  /** The first neighbour connected, or P2P is off: every held request goes on now. */
  close(): void {
    this.closed = true
    this.windowTimer?.cancel()
    for (const release of [...this.waiters]) release()
  }

  /** Waits until the hold closes, or `maxMs` at most; resolves with the time waited (ms). */
  wait(maxMs: number): Promise<number> {
    if (this.closed || maxMs <= 0) return Promise.resolve(0)
    const started = this.clock.now()
    return new Promise((resolve) => {
      const release = () => {
        if (!this.waiters.delete(release)) return
        timer.cancel()
        resolve(this.clock.now() - started)
      }
      const timer = this.clock.setTimer(maxMs, release)
      this.waiters.add(release)
    })
  }
}
