import type { ReportTotals } from './viewer-report.js'

/** What GET /api/audience answers: the audience now and since the origin started, from viewers' reports. */
export interface AudienceSummary {
  /** Viewers that reported within the active window (a minute by default). */
  viewers: number
  /** Share of all counted segment bytes from peers (0..1), null before any byte. */
  share: number | null
  totals: ReportTotals
  /** Bytes peers delivered instead of the origin or its CDN, and what they would have cost there. */
  saved: { bytes: number; gigabytes: number; money: number; currency: string; pricePerGb: number }
  /** Page load to first frame of every remembered viewer (ms). */
  startupMs: Percentiles
  /** Distance behind live of the viewers watching now (ms). */
  latencyMs: Percentiles
  renditions: Split[]
  paths: Split[]
  /** The share over time, oldest first. */
  history: HistoryPoint[]
}

/** The audience's totals of one rendition or one delivery path, with the viewers in it now. */
export interface Split {
  name: string
  viewers: number
  totals: ReportTotals
  /** Share of its segment bytes from peers (0..1), null before any byte. */
  share: number | null
}

/** One point of the history: the share of the bytes counted in the interval that ended at `at`. */
export interface HistoryPoint {
  /** Unix time (ms) the interval ended. */
  at: number
  viewers: number
  /** Share of the interval's segment bytes from peers, null when no bytes were reported in it. */
  share: number | null
  bytesFromPeers: number
  bytesFromHttp: number
}

export interface Percentiles {
  count: number
  p50: number | null
  p95: number | null
}
