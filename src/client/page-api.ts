import type { ViewerStats } from '../protocol/stats.js'
import type { ClientConfig } from './config.js'
import type { StatsEvents } from './core/events.js'

/** The one thing the loaders need of an hls.js build: its default loader class. */
export interface HlsLike {
  DefaultConfig: { loader: unknown }
}

/** How this page gets its segments. */
export type DeliveryPath = 'service-worker' | 'loader' | 'http'

/**
 * What the page script puts on `window.liveTorrent`: the integration surface for a page and its player.
 * The demo page and tests read `stats`; a site's own player code may await `ready` before loading the stream
 * so that its first requests already go through the service worker.
 */
export interface LiveTorrentPageApi {
  /** Resolves once the delivery path is settled: the service worker controls the page, or the fallback chosen. */
  ready: Promise<DeliveryPath>
  /** Live totals of this viewer (the same object, updated in place). */
  stats: ViewerStats
  /** Typed stats events. */
  events: StatsEvents
  /** The configuration in effect. */
  config: ClientConfig
  /** Switches P2P on or off for this viewer (remembered in localStorage). */
  setP2P(enabled: boolean): void
  /**
   * The hls.js config fields (fLoader, pLoader) that route an hls.js player through this page client, for the
   * 'loader' path. Pass the page's Hls class (defaults to `window.Hls`).
   */
  hlsjsLoaders(hls?: HlsLike): { fLoader: unknown; pLoader: unknown }
}

declare global {
  interface Window {
    liveTorrent?: LiveTorrentPageApi
    liveTorrentConfig?: import('./config.js').ClientConfigOverrides
    Hls?: HlsLike
  }
}
