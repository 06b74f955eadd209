/** When a fetch started, its first byte came and it ended (ms on one clock). */
export interface HttpTiming {
  startedAt: number
  firstByteAt: number
  endedAt: number
}

/** Fetches remembered: the estimate follows the connection as it changes. */
const SAMPLES = 8

interface Sample {
  firstByteMs: number
  bytesPerMs: number
}

/**
 * How long HTTP takes on this viewer's connection, from the fetches the core made: the deadline keeps enough
 * time in reserve to fetch what peers have not delivered. Conservative on purpose: the slowest recent first byte
 * plus the bytes at the slowest recent rate, so that one fast fetch never shrinks the reserve below what a slow
 * moment needs.
 */
export class HttpEstimate {
  private readonly samples: Sample[] = []

  /** One fetch: when it started, when its first byte came, when it ended (clock ms), and how many bytes. */
  observe(startedAt: number, firstByteAt: number, endedAt: number, bytes: number): void {
    const transferMs = Math.max(1, endedAt - firstByteAt)
    // A tiny fetch says little about throughput: only its first byte counts.
    const bytesPerMs = bytes >= 32 * 1024 ? bytes / transferMs : Infinity
    this.samples.push({ firstByteMs: Math.max(0, firstByteAt - startedAt), bytesPerMs })
    if (this.samples.length > SAMPLES) this.samples.shift()
  }

  /**
   * What a plain HTTP fetch of `bytes` typically takes here (medians of the recent fetches): its first byte, then
   * the transfer. Null before any fetch was measured. A player's bandwidth estimate is fed this for segments that
   * came from peers, so that P2P never looks like a slower (or faster) network than HTTP really is.
   */
  typicalMs(bytes: number): { firstByteMs: number; transferMs: number } | null {
    if (this.samples.length === 0) return null
    const firstByteMs = median(this.samples.map((sample) => sample.firstByteMs))
    const rates = this.samples.map((sample) => sample.bytesPerMs).filter(Number.isFinite)
    return { firstByteMs, transferMs: rates.length ? bytes / median(rates) : 0 }
  }

  /** A conservative time to fetch `bytes` (ms), or null before any fetch was measured. */
  fetchMs(bytes: number): number | null {
    if (this.samples.length === 0) return null
    const firstByte = Math.max(...this.samples.map((sample) => sample.firstByteMs))
    const rate = Math.min(...this.samples.map((sample) => sample.bytesPerMs))
    return firstByte + (Number.isFinite(rate) ? bytes / rate : 0)
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2
}
