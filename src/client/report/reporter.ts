import type { Clock, Timer } from '../core/ports.js'
import type { ViewerReport } from '../../protocol/viewer-report.js'

/** A report without its envelope: what the page knows of its delivery right now. */
export type ReportBody = Omit<ViewerReport, 'v' | 'session' | 'seq'>

export interface ReporterPorts {
  clock: Clock
  /** The page's delivery now, or null while it has nothing to report (no stream yet). */
  snapshot(): ReportBody | null
  /** Where to send, or null while unknown (the default URL comes from the stream's first magnets). */
  url(): string | null
  /** Sends one report; `leaving`: the page is being hidden, so it must go out without waiting (sendBeacon). */
  send(url: string, body: string, leaving: boolean): void
}

/**
 * Sends the viewer's cumulative totals every `intervalMs`, and once more when the page is hidden. Cumulative
 * totals make a lost report harmless: the next one carries everything. A hidden page that comes back resumes.
 */
/**
 * Reports at least this far apart (ms): the origin refuses a session's reports that come faster than its
 * minimum interval (AudienceConfig.minReportIntervalMs, 1 s), and a hidden tab fires both visibilitychange and
 * pagehide within milliseconds.
 */
const MIN_GAP_MS = 1100

export class Reporter {
  private seq = 0
  private timer: Timer | null = null
  private lastSentAt = -Infinity

  constructor(
    private readonly intervalMs: number,
    private readonly session: string,
    private readonly ports: ReporterPorts,
  ) {}

  start(): void {
    this.schedule()
  }

  /** Reports now; with `leaving`, through the channel that survives the page going away. */
  flush(leaving: boolean): void {
    const url = this.ports.url()
    const body = this.ports.snapshot()
    if (url === null || body === null || this.ports.clock.now() - this.lastSentAt < MIN_GAP_MS) return
    this.lastSentAt = this.ports.clock.now()
    const report: ViewerReport = { v: 1, session: this.session, seq: ++this.seq, ...body }
    this.ports.send(url, JSON.stringify(report), leaving)
  }

  stop(): void {
    this.timer?.cancel()
    this.timer = null
  }

  private schedule(): void {
    this.timer = this.ports.clock.setTimer(this.intervalMs, () => {
      this.flush(false)
      this.schedule()
    })
  }
}

/** 32 random hex digits: the only identity a report has, new with every page load. */
export function randomSession(): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (byte) => byte.toString(16).padStart(2, '0')).join('')
}
