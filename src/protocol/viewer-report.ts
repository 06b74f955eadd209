/**
 * The delivery report a viewer sends to the origin (POST /api/report), periodically and when its page is hidden.
 * Totals are cumulative since the page loaded, so a lost report loses nothing: the origin counts the growth from
 * the session's last accepted report. The session id is random per page load and nothing else identifies the
 * viewer: no address, no user agent, no page URL.
 */
export interface ViewerReport {
  /** Protocol version. */
  v: 1
  /** Random per page load: 16 to 64 hex digits. */
  session: string
  /** Increases with every report of a session; a report not newer than the last accepted one is stale. */
  seq: number
  /** How the page gets its segments. */
  path: ReportedPath
  /** Whether this viewer uses P2P. */
  p2p: boolean
  /** The rendition playing now, as the player names it (e.g. "720p"); null when unknown. */
  rendition: string | null
  /** Milliseconds since the page loaded. */
  uptimeMs: number
  /** Cumulative totals since the page loaded. */
  totals: ReportTotals
  /** Page load to first frame (ms), null before it. */
  startupMs: number | null
  /** The player's distance behind the live edge now (ms), null when the player does not say. */
  latencyMs: number | null
}

export type ReportedPath = 'service-worker' | 'loader' | 'http'
export const REPORTED_PATHS: readonly ReportedPath[] = ['service-worker', 'loader', 'http']

export interface ReportTotals {
  bytesFromPeers: number
  bytesFromHttp: number
  bytesUploaded: number
  segmentsFromPeers: number
  segmentsFromHttp: number
  stalls: number
  stallMs: number
}

export const REPORT_TOTAL_NAMES: readonly (keyof ReportTotals)[] = [
  'bytesFromPeers',
  'bytesFromHttp',
  'bytesUploaded',
  'segmentsFromPeers',
  'segmentsFromHttp',
  'stalls',
  'stallMs',
]

/** A rendition label the origin accepts: short, printable, no markup (it ends up in metric labels and a page). */
export const RENDITION_PATTERN = /^[\w .:/+-]{1,32}$/

/** Where a page sends its reports by default: the origin that serves the stream's .torrent files. */
export const REPORT_PATH = '/api/report'
