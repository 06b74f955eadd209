/** Cumulative byte counters at one moment. */
export interface TrafficSample {
  /** ms (performance.now() or Date.now(): any clock that only moves forward) */
  at: number
  fromPeers: number
  fromHttp: number
}

/** Download rates at one moment, in bytes per second. */
export interface TrafficRate {
  at: number
  fromPeers: number
  fromHttp: number
}

/**
 * The last few minutes of cumulative byte counters, turned into rates.
 * Segments arrive in bursts (a 4 s segment may download in 200 ms), so a plain per-second delta is a comb of
 * spikes; the rate at each sample is averaged over a trailing window about two segments long instead.
 * Rates divide by the real time between samples, so a throttled background tab does not distort them.
 */
export class TrafficHistory {
  private readonly samples: TrafficSample[] = []

  constructor(
    private readonly keepMs: number,
    private readonly averageOverMs: number,
  ) {}

  add(sample: TrafficSample): void {
    this.samples.push(sample)
    // Keep one averaging window beyond the visible span so the oldest visible rate is still a full average.
    const oldest = sample.at - this.keepMs - this.averageOverMs
    while (this.samples.length > 1 && this.samples[1]!.at <= oldest) this.samples.shift()
  }

  /** One rate per sample of the visible span (after the first sample ever), oldest first. */
  rates(): TrafficRate[] {
    const rates: TrafficRate[] = []
    const visibleFrom = (this.samples.at(-1)?.at ?? 0) - this.keepMs
    let windowStart = 0
    for (let i = 1; i < this.samples.length; i++) {
      const current = this.samples[i]!
      if (current.at < visibleFrom) continue
      while (windowStart < i - 1 && this.samples[windowStart + 1]!.at <= current.at - this.averageOverMs) windowStart++
      const start = this.samples[windowStart]!
      // Before the page started nothing was downloaded, so a history shorter than the window still averages
      // over the whole window: the first burst (the player filling its buffer) is not blown up into a spike.
      const seconds = Math.max(current.at - start.at, this.averageOverMs) / 1000
      rates.push({
        at: current.at,
        fromPeers: Math.max(0, current.fromPeers - start.fromPeers) / seconds,
        fromHttp: Math.max(0, current.fromHttp - start.fromHttp) / seconds,
      })
    }
    return rates
  }
}
