import type { AudienceSummary, HistoryPoint, Percentiles } from '../../protocol/audience-summary.js'
import type { Audience } from './audience.js'
import { shareOf } from './split-totals.js'

/** The share over time: a point every interval, of the bytes counted in it. */
export class AudienceHistory {
  private readonly points: HistoryPoint[] = []
  private last = { bytesFromPeers: 0, bytesFromHttp: 0 }
  private readonly timer: NodeJS.Timeout

  constructor(
    private readonly audience: Audience,
    private readonly now: () => number = Date.now,
  ) {
    this.timer = setInterval(() => this.sample(), audience.config.historyIntervalMs)
    this.timer.unref()
  }

  sample(): void {
    this.audience.purgeStale()
    const { all } = this.audience.totals()
    const bytesFromPeers = all.bytesFromPeers - this.last.bytesFromPeers
    const bytesFromHttp = all.bytesFromHttp - this.last.bytesFromHttp
    this.last = { bytesFromPeers: all.bytesFromPeers, bytesFromHttp: all.bytesFromHttp }
    this.points.push({
      at: this.now(),
      viewers: this.audience.viewersNow(),
      share: shareOf({ bytesFromPeers, bytesFromHttp }),
      bytesFromPeers,
      bytesFromHttp,
    })
    if (this.points.length > this.audience.config.historyPoints) this.points.shift()
  }

  all(): HistoryPoint[] {
    return [...this.points]
  }

  stop(): void {
    clearInterval(this.timer)
  }
}

export function summarize(audience: Audience, history: AudienceHistory): AudienceSummary {
  const { all, byRendition, byPath } = audience.totals()
  const { startupMs, latencyMs } = audience.samples()
  const { pricePerGb, currency } = audience.config
  const gigabytes = all.bytesFromPeers / 1e9
  return {
    viewers: audience.viewersNow(),
    share: shareOf(all),
    totals: all,
    saved: { bytes: all.bytesFromPeers, gigabytes, money: gigabytes * pricePerGb, currency, pricePerGb },
    startupMs: percentiles(startupMs),
    latencyMs: percentiles(latencyMs),
    renditions: byRendition,
    paths: byPath,
    history: history.all(),
  }
}

/** Nearest-rank percentiles. */
export function percentiles(values: number[]): Percentiles {
  if (values.length === 0) return { count: 0, p50: null, p95: null }
  const sorted = [...values].sort((a, b) => a - b)
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!
  return { count: sorted.length, p50: at(0.5), p95: at(0.95) }
}
