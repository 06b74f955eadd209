import { LRUCache } from 'lru-cache'
import type { Registry } from 'prom-client'
import { REPORT_TOTAL_NAMES, type ReportedPath, type ReportTotals, type ViewerReport } from '../../protocol/viewer-report.js'
import { AudienceMetrics, type ReportResult } from './audience-metrics.js'
import type { AudienceConfig } from './config.js'
import type { RefusalReason } from './report-check.js'
import type { Split } from '../../protocol/audience-summary.js'
import { emptyTotals, shareOf, SplitTotals } from './split-totals.js'

/** What the origin remembers of one reporting page: its last accepted report and when it came. */
interface Session {
  seq: number
  at: number
  uptimeMs: number
  totals: ReportTotals
  rendition: string
  path: ReportedPath
  startupMs: number | null
  latencyMs: number | null
}

export type Acceptance = { ok: true; result: 'accepted' | 'baseline' } | { ok: false; reason: RefusalReason; message: string }

/** Distinct rendition labels at most; a viewer naming yet another is counted under 'other'. */
const MAX_RENDITIONS = 16
/** Time that a report may lag behind its session's wall clock at the origin (ms): network and queueing jitter. */
const CLOCK_SLACK_MS = 2000

/**
 * The audience as its viewers report it. Each report carries a session's cumulative totals; the audience counts
 * the growth since the session's last accepted report, so totals never count a byte twice, whatever is replayed
 * or lost. A report that could not come from a real viewer (totals that shrink, or grow faster than any link) is
 * refused whole and counted, so that it cannot skew the totals.
 */
export class Audience {
  readonly metrics: AudienceMetrics
  private readonly sessions: LRUCache<string, Session>
  private readonly newSessionsByAddress: LRUCache<string, { count: number }>
  private readonly splits = new SplitTotals()
  private readonly renditions = new Set<string>()

  constructor(
    readonly config: AudienceConfig,
    registry: Registry,
    private readonly now: () => number = Date.now,
  ) {
    this.sessions = new LRUCache({ max: config.maxSessions, ttl: config.sessionTtlMs, ttlAutopurge: false })
    this.newSessionsByAddress = new LRUCache({ max: 100_000, ttl: 60_000, ttlAutopurge: false, updateAgeOnGet: false })
    this.metrics = new AudienceMetrics(
      registry,
      () => this.viewersNow(),
      () => this.share(),
    )
  }

  /** Takes one checked report from a client address (used only for the new-session limit, never kept with it). */
  accept(report: ViewerReport, address: string): Acceptance {
    const known = this.sessions.get(report.session)
    const outcome = known ? this.update(known, report) : this.open(report, address)
    this.metrics.reports.inc({ result: outcome.ok ? outcome.result : outcome.reason })
    return outcome
  }

  /** Counts a refusal found before the report could be read (malformed, oversized). */
  refused(reason: RefusalReason): void {
    this.metrics.reports.inc({ result: reason satisfies ReportResult })
  }

  /** Forgets expired sessions and client addresses (called every history interval, so none outlives its minute by much). */
  purgeStale(): void {
    this.sessions.purgeStale()
    this.newSessionsByAddress.purgeStale()
  }

  viewersNow(): number {
    return this.activeSessions().length
  }

  /** Share of segment bytes from peers over all counted reports (0 before any byte). */
  share(): number {
    return shareOf(this.splits.sum()) ?? 0
  }

  /** Everything counted so far, and the split by rendition and by path with the viewers in each now. */
  totals(): { all: ReportTotals; byRendition: Split[]; byPath: Split[] } {
    const active = this.activeSessions()
    const viewers = (pick: (session: Session) => string) => {
      const counts = new Map<string, number>()
      for (const session of active) counts.set(pick(session), (counts.get(pick(session)) ?? 0) + 1)
      return counts
    }
    return {
      all: this.splits.sum(),
      byRendition: this.splits.by(
        'rendition',
        viewers((session) => session.rendition),
      ),
      byPath: this.splits.by(
        'path',
        viewers((session) => session.path),
      ),
    }
  }

  /** Startup of every remembered viewer, and the latency of those watching now (ms). */
  samples(): { startupMs: number[]; latencyMs: number[] } {
    const startupMs: number[] = []
    for (const session of this.sessions.values()) if (session.startupMs !== null) startupMs.push(session.startupMs)
    const latencyMs = this.activeSessions()
      .map((session) => session.latencyMs)
      .filter((ms): ms is number => ms !== null)
    return { startupMs, latencyMs }
  }

  private activeSessions(): Session[] {
    const since = this.now() - this.config.activeWindowMs
    return [...this.sessions.values()].filter((session) => session.at >= since)
  }

  private open(report: ViewerReport, address: string): Acceptance {
    const quota = this.newSessionsByAddress.get(address) ?? { count: 0 }
    if (quota.count >= this.config.newSessionsPerAddressPerMinute)
      return { ok: false, reason: 'flood', message: 'too many new sessions from this client; try again in a minute' }
    // A session first seen long after its page loaded (the origin restarted, or its earlier reports were lost)
    // started before this origin's counters did: its totals so far become its baseline, counted from here on.
    const baseline = report.uptimeMs > this.config.activeWindowMs * 2
    if (!baseline) {
      const absurd = this.implausible(emptyTotals(), report.totals, report.uptimeMs + CLOCK_SLACK_MS)
      if (absurd) return { ok: false, reason: 'absurd', message: absurd }
    }
    if (!this.newSessionsByAddress.has(address)) this.newSessionsByAddress.set(address, quota)
    quota.count++
    const session = this.remember(report)
    if (!baseline) this.count(session, emptyTotals(), report)
    return { ok: true, result: baseline ? 'baseline' : 'accepted' }
  }

  private update(known: Session, report: ViewerReport): Acceptance {
    if (report.seq <= known.seq) return { ok: false, reason: 'stale', message: `report ${report.seq} is not newer than ${known.seq}` }
    const sinceLast = this.now() - known.at
    if (sinceLast < this.config.minReportIntervalMs)
      return { ok: false, reason: 'flood', message: `reports of a session come at least ${this.config.minReportIntervalMs} ms apart` }
    if (report.uptimeMs < known.uptimeMs) return { ok: false, reason: 'absurd', message: 'uptimeMs went backwards' }
    const absurd = this.implausible(known.totals, report.totals, sinceLast + CLOCK_SLACK_MS)
    if (absurd) return { ok: false, reason: 'absurd', message: absurd }
    const before = known.totals
    const session = this.remember(report)
    this.count(session, before, report)
    return { ok: true, result: 'accepted' }
  }

  /** Why growing from `before` to `after` in `elapsedMs` cannot be a real viewer, or null when it can. */
  private implausible(before: ReportTotals, after: ReportTotals, elapsedMs: number): string | null {
    const shrunk = REPORT_TOTAL_NAMES.find((name) => after[name] < before[name])
    if (shrunk) return `totals.${shrunk} went backwards`
    const maxBytes = ((this.config.maxViewerBitsPerSecond / 8) * elapsedMs) / 1000
    const downloaded = after.bytesFromPeers + after.bytesFromHttp - before.bytesFromPeers - before.bytesFromHttp
    if (downloaded > maxBytes) return 'download faster than any viewer link'
    if (after.bytesUploaded - before.bytesUploaded > maxBytes) return 'upload faster than any viewer link'
    if (after.stallMs - before.stallMs > elapsedMs) return 'more stall time than time passed'
    return null
  }

  private remember(report: ViewerReport): Session {
    const session: Session = {
      seq: report.seq,
      at: this.now(),
      uptimeMs: report.uptimeMs,
      totals: report.totals,
      rendition: this.renditionLabel(report.rendition),
      path: report.path,
      startupMs: report.startupMs,
      latencyMs: report.latencyMs,
    }
    const previous = this.sessions.get(report.session)
    if (session.startupMs !== null && previous?.startupMs == null) this.metrics.startup.observe(session.startupMs / 1000)
    if (session.latencyMs !== null) this.metrics.latency.observe(session.latencyMs / 1000)
    this.sessions.set(report.session, session)
    return session
  }

  private count(session: Session, before: ReportTotals, report: ViewerReport): void {
    const delta = {} as ReportTotals
    for (const name of REPORT_TOTAL_NAMES) delta[name] = report.totals[name] - before[name]
    this.splits.add(session.rendition, session.path, delta)
    const labels = { rendition: session.rendition, path: session.path }
    this.metrics.bytes.inc({ ...labels, source: 'peers' }, delta.bytesFromPeers)
    this.metrics.bytes.inc({ ...labels, source: 'http' }, delta.bytesFromHttp)
    this.metrics.uploaded.inc(labels, delta.bytesUploaded)
    this.metrics.stalls.inc(labels, delta.stalls)
    this.metrics.stallSeconds.inc(labels, delta.stallMs / 1000)
  }

  /** A bounded label: the viewer's rendition while fewer than MAX_RENDITIONS are known, else 'other'. */
  private renditionLabel(rendition: string | null): string {
    if (rendition === null) return 'unknown'
    if (this.renditions.has(rendition)) return rendition
    if (this.renditions.size >= MAX_RENDITIONS) return 'other'
    this.renditions.add(rendition)
    return rendition
  }
}
