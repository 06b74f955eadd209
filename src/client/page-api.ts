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
 * The demo page and tests read `stats`. A player need not wait for `ready`: with `hlsjsLoaders` it starts at once
 * over plain HTTP, and the service worker (or the loaders) take over mid-stream once the path is settled.
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
   * The hls.js config fields (fLoader, pLoader) for any path, so that a player need not wait for `ready`: they
   * route segments through this page client on the 'loader' path, and are hls.js's own loaders until the path
   * is settled and on the service-worker path (while the worker installs, they still hand the playlists'
   * magnets to the page client, so the mesh forms). Pass the page's Hls class (defaults to `window.Hls`).
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
