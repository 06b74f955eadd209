import { Counter, Gauge, Histogram, type Registry } from 'prom-client'
import type { RefusalReason } from './report-check.js'

export type ReportResult = 'accepted' | 'baseline' | RefusalReason

/**
 * The audience's figures in /metrics, summed from viewers' reports. Labelled by rendition and delivery path
 * (both bounded: see Audience.renditionLabel), never by viewer.
 */
export class AudienceMetrics {
  readonly bytes: Counter<'source' | 'rendition' | 'path'>
  readonly uploaded: Counter<'rendition' | 'path'>
  readonly stalls: Counter<'rendition' | 'path'>
  readonly stallSeconds: Counter<'rendition' | 'path'>
  readonly reports: Counter<'result'>
  readonly startup: Histogram
  readonly latency: Histogram

  constructor(registry: Registry, viewersNow: () => number, share: () => number) {
    const registers = [registry]
    this.bytes = new Counter({
      name: 'live_torrent_viewer_bytes_total',
      help: 'Segment bytes viewers received, by source (peers or http), as they reported them',
      labelNames: ['source', 'rendition', 'path'],
      registers,
    })
    const split = (name: string, help: string) => new Counter({ name, help, labelNames: ['rendition', 'path'] as const, registers })
    this.uploaded = split('live_torrent_viewer_uploaded_bytes_total', 'Segment bytes viewers sent to other viewers')
    this.stalls = split('live_torrent_viewer_stalls_total', 'Player stalls after the first frame')
    this.stallSeconds = split('live_torrent_viewer_stall_seconds_total', 'Time players spent stalled after their first frame')
    this.reports = new Counter({
      name: 'live_torrent_viewer_reports_total',
      help: 'Viewer reports by result: accepted, baseline (a session first seen long after it started), or why refused',
      labelNames: ['result'],
      registers,
    })
    this.startup = new Histogram({
      name: 'live_torrent_viewer_startup_seconds',
      help: 'Page load to first frame, once per viewer',
      buckets: [0.25, 0.5, 1, 1.5, 2, 3, 5, 8, 13],
      registers,
    })
    this.latency = new Histogram({
      name: 'live_torrent_viewer_latency_seconds',
      help: 'Distance behind the live edge, per report',
      buckets: [2, 4, 6, 8, 10, 12, 15, 20, 30, 45, 60],
      registers,
    })
    new Gauge({
      name: 'live_torrent_viewers',
      help: 'Viewers that reported within the active window',
      registers,
      collect() {
        this.set(viewersNow())
      },
    })
    new Gauge({
      name: 'live_torrent_audience_p2p_share',
      help: 'Share of the audience segment bytes that came from peers, since the origin started (0..1)',
      registers,
      collect() {
        this.set(share())
      },
    })
  }
}
