import { PLAYER_EVENT } from '../../protocol/player-event.js'
import { REPORT_PATH, RENDITION_PATTERN } from '../../protocol/viewer-report.js'
import { browserClock } from '../adapters/browser-ports.js'
import type { ClientConfig } from '../config.js'
import type { MediaWatch } from '../media-watch.js'
import type { DeliveryPath } from '../page-api.js'
import type { PageClient } from '../page-client.js'
import { randomSession, Reporter, type ReportBody } from './reporter.js'

/** The little of an hls.js instance a report reads (hls.js 1.x public API). */
interface HlsView {
  currentLevel: number
  levels: { height?: number; bitrate?: number }[]
  latency: number
}

/**
 * Starts this page's reports to the origin (unless `report` is off): its totals from the page client, startup and
 * stall time from the page's media elements, and the rendition and latency of an hls.js player that the page
 * announces with the player event (without one: the playing video's height as its rendition, no latency).
 */
export function startReporting(config: ClientConfig, client: PageClient, media: MediaWatch, ready: Promise<DeliveryPath>): Reporter | null {
  if (!config.report) return null
  let path: DeliveryPath | null = null
  void ready.then((settled) => (path = settled))
  let hls: HlsView | null = null
  document.addEventListener(PLAYER_EVENT, (event) => (hls = (event as CustomEvent<{ hls: HlsView }>).detail.hls))
  const snapshot = (): ReportBody | null => {
    if (path === null) return null
    const stats = client.recorder.stats
    return {
      path,
      p2p: stats.p2pEnabled,
      rendition: renditionOf(hls) ?? media.videoHeightLabel(),
      uptimeMs: Math.round(performance.now()),
      totals: {
        bytesFromPeers: stats.bytesFromPeers,
        bytesFromHttp: stats.bytesFromHttp,
        bytesUploaded: stats.bytesUploaded,
        segmentsFromPeers: stats.segmentsFromPeers,
        segmentsFromHttp: stats.segmentsFromHttp,
        stalls: stats.stalls,
        stallMs: media.stallMs(),
      },
      startupMs: media.startupMs(),
      latencyMs: hls && Number.isFinite(hls.latency) && hls.latency > 0 ? Math.round(hls.latency * 1000) : null,
    }
  }
  const reporter = new Reporter(config.reportIntervalMs, randomSession(), {
    clock: browserClock,
    snapshot,
    url: () => config.reportUrl ?? (client.originUrl ? new URL(REPORT_PATH, client.originUrl).href : null),
    send: sendReport,
  })
  reporter.start()
  // 'pagehide' covers closing and navigating away, 'visibilitychange' a tab put in the background (on phones
  // often the last moment a page runs).
  addEventListener('pagehide', () => reporter.flush(true))
  document.addEventListener('visibilitychange', () => document.visibilityState === 'hidden' && reporter.flush(true))
  return reporter
}

/** text/plain: a simple request, so a page on another site sends it without a CORS preflight. */
function sendReport(url: string, body: string, leaving: boolean): void {
  const blob = new Blob([body], { type: 'text/plain' })
  if (leaving && navigator.sendBeacon?.(url, blob)) return
  fetch(url, { method: 'POST', body: blob, keepalive: true, mode: 'cors', credentials: 'omit' }).catch((err: unknown) =>
    console.debug('live-torrent: report not sent', err),
  )
}

function renditionOf(hls: HlsView | null): string | null {
  const level = hls && hls.currentLevel >= 0 ? hls.levels[hls.currentLevel] : undefined
  if (!level) return null
  const label = level.height ? `${level.height}p` : level.bitrate ? `${Math.round(level.bitrate / 1000)}k` : null
  return label !== null && RENDITION_PATTERN.test(label) ? label : null
}
