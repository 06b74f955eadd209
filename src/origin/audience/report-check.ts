import {
  REPORT_TOTAL_NAMES,
  REPORTED_PATHS,
  RENDITION_PATTERN,
  type ReportTotals,
  type ViewerReport,
} from '../../protocol/viewer-report.js'

export type RefusalReason = 'malformed' | 'oversized' | 'absurd' | 'stale' | 'flood'

export type ReportCheck = { ok: true; report: ViewerReport } | { ok: false; reason: RefusalReason; message: string }

const FIELDS = new Set(['v', 'session', 'seq', 'path', 'p2p', 'rendition', 'uptimeMs', 'totals', 'startupMs', 'latencyMs'])
const SESSION_PATTERN = /^[0-9a-f]{16,64}$/
/** No page lives a month; no count of a month's viewing reaches this. */
const MAX_UPTIME_MS = 30 * 24 * 3600 * 1000
const MAX_TOTAL = 1e15
const MAX_STARTUP_MS = 3600 * 1000
const MAX_LATENCY_MS = 24 * 3600 * 1000

/**
 * Reads one report body, field by field (a hand-written check: the shape is small and each refusal needs its own
 * reason, which a schema validator's messages do not give). Types and forms are `malformed`; values no viewer
 * can have are `absurd`. The checks against the session's earlier reports are the audience's (audience.ts).
 */
export function checkReport(body: unknown, maxBytes: number): ReportCheck {
  const text = typeof body === 'string' ? body : Buffer.isBuffer(body) ? body.toString('utf8') : null
  if (text === null) return malformed('the body must be a JSON text')
  if (Buffer.byteLength(text) > maxBytes) return { ok: false, reason: 'oversized', message: `a report is at most ${maxBytes} bytes` }
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return malformed('the body is not JSON')
  }
  if (!isRecord(value)) return malformed('a report is a JSON object')
  const unknown = Object.keys(value).find((key) => !FIELDS.has(key))
  if (unknown !== undefined) return malformed(`unknown field "${unknown.slice(0, 40)}"`)
  if (value.v !== 1) return malformed('v must be 1')
  if (typeof value.session !== 'string' || !SESSION_PATTERN.test(value.session)) return malformed('session must be 16 to 64 hex digits')
  if (!isCount(value.seq)) return malformed('seq must be a whole number of at least 0')
  if (!REPORTED_PATHS.includes(value.path as ViewerReport['path'])) return malformed(`path must be one of ${REPORTED_PATHS.join(', ')}`)
  if (typeof value.p2p !== 'boolean') return malformed('p2p must be true or false')
  if (value.rendition !== null && (typeof value.rendition !== 'string' || !RENDITION_PATTERN.test(value.rendition)))
    return malformed('rendition must be null or a short label')
  if (!isCount(value.uptimeMs)) return malformed('uptimeMs must be a whole number of at least 0')
  const totals = readTotals(value.totals)
  if (typeof totals === 'string') return malformed(totals)
  if (!isNullableCount(value.startupMs)) return malformed('startupMs must be null or a whole number of at least 0')
  if (!isNullableCount(value.latencyMs)) return malformed('latencyMs must be null or a whole number of at least 0')
  const report = value as unknown as ViewerReport
  const absurdity = absurdValue(report)
  if (absurdity) return { ok: false, reason: 'absurd', message: absurdity }
  return { ok: true, report: { ...report, totals } }
}

function readTotals(value: unknown): ReportTotals | string {
  if (!isRecord(value)) return 'totals must be an object'
  const extra = Object.keys(value).find((key) => !REPORT_TOTAL_NAMES.includes(key as keyof ReportTotals))
  if (extra !== undefined) return `unknown total "${extra.slice(0, 40)}"`
  const totals = {} as ReportTotals
  for (const name of REPORT_TOTAL_NAMES) {
    if (!isCount(value[name])) return `totals.${name} must be a whole number of at least 0`
    totals[name] = value[name] as number
  }
  return totals
}

function absurdValue(report: ViewerReport): string | null {
  if (report.uptimeMs > MAX_UPTIME_MS) return 'uptimeMs is beyond any page lifetime'
  const total = REPORT_TOTAL_NAMES.find((name) => report.totals[name] > MAX_TOTAL)
  if (total) return `totals.${total} is beyond any viewer`
  if (report.totals.stallMs > report.uptimeMs) return 'stallMs exceeds the page lifetime'
  if (report.startupMs !== null && report.startupMs > MAX_STARTUP_MS) return 'startupMs is beyond an hour'
  if (report.latencyMs !== null && report.latencyMs > MAX_LATENCY_MS) return 'latencyMs is beyond a day'
  return null
}

function malformed(message: string): ReportCheck {
  return { ok: false, reason: 'malformed', message }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0
}

function isNullableCount(value: unknown): value is number | null {
  return value === null || isCount(value)
}
