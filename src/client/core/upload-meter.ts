import type { Clock } from './ports.js'

/** Width of one measured window (ms), and how many windows the peak is taken over. */
const WINDOW_MS = 1000
const WINDOWS = 60
/** Less than this in a window says nothing of the uplink (a 'have' or two): the peak ignores it. */
const MIN_BYTES = 64 * 1024

/**
 * This viewer's upload rate as its neighbours get it: the busiest second of the last minute. A viewer only shows
 * its capacity while it is asked for pieces, so the peak (not the mean) is the estimate; it is what the others
 * weight the choice of a segment's first fetcher by.
 */
export class UploadMeter {
  private windowStart = 0
  private windowBytes = 0
  private readonly peaks: number[] = []

  constructor(private readonly clock: Clock) {
    this.windowStart = clock.now()
  }

  uploaded(bytes: number): void {
    this.roll()
    this.windowBytes += bytes
  }

  /** Bytes per second at the busiest recent second; null before any second carried enough to tell. */
  rate(): number | null {
    this.roll()
    const peak = Math.max(0, ...this.peaks)
    return peak > 0 ? peak : null
  }

  private roll(): void {
    const now = this.clock.now()
    if (now - this.windowStart > WINDOW_MS * WINDOWS) {
      // Idle for longer than the whole span: every window in it is empty.
      this.peaks.length = 0
      this.windowBytes = 0
      this.windowStart = now
      return
    }
    while (now - this.windowStart >= WINDOW_MS) {
      this.peaks.push(this.windowBytes >= MIN_BYTES ? (this.windowBytes * 1000) / WINDOW_MS : 0)
      if (this.peaks.length > WINDOWS) this.peaks.shift()
      this.windowBytes = 0
      this.windowStart += WINDOW_MS
    }
  }
}
