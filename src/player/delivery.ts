import type { HlsConfig } from 'hls.js'
import type { DeliveryPath, LiveTorrentPageApi } from '../client/page-api.js'
import Hls from './hls.js'

/**
 * The page client settles its path within a few seconds (it waits for the service worker at most
 * `serviceWorkerTimeoutMs`). Should `ready` never settle, the page shows plain HTTP.
 */
const READY_TIMEOUT_MS = 10_000

/**
 * The hls.js config fields that let the page client serve this player on whatever path it settles on (see
 * `hlsjsLoaders`), so that the player starts at once. Any failure of the page client leaves a plain hls.js:
 * P2P is an extra, playback is not.
 */
export function playerLoaders(api: LiveTorrentPageApi | undefined): Partial<HlsConfig> {
  if (!api) return {}
  try {
    // The loaders extend the default loader of the Hls class they are given: this page's own, not a window.Hls.
    // The page API types them loosely so that it does not depend on hls.js; they are hls.js loader classes.
    return api.hlsjsLoaders(Hls) as Pick<HlsConfig, 'fLoader' | 'pLoader'>
  } catch (err) {
    console.warn('live-torrent: the page client failed to start; playing over plain HTTP', err)
    return {}
  }
}

/** Waits for the page client to settle its path (for the page to show it); any failure counts as plain HTTP. */
export async function settleDelivery(api: LiveTorrentPageApi | undefined): Promise<DeliveryPath> {
  if (!api) return 'http'
  const timeout = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), READY_TIMEOUT_MS))
  try {
    const path = await Promise.race([api.ready, timeout])
    if (path !== 'timeout') return path
    console.warn('live-torrent: the page client did not get ready in time; its player plays over plain HTTP')
  } catch (err) {
    console.warn('live-torrent: the page client failed to start; playing over plain HTTP', err)
  }
  return 'http'
}

const DELIVERY_PATH_NAMES: Record<DeliveryPath, string> = {
  'service-worker': 'service worker',
  loader: 'hls.js loader',
  http: 'plain HTTP',
}

export function describeDeliveryPath(path: DeliveryPath): string {
  return DELIVERY_PATH_NAMES[path]
}

/** A short line under the delivery path saying what it means for this viewer. */
export function deliveryNote(path: DeliveryPath, api: LiveTorrentPageApi | undefined): string {
  if (!api) return 'the P2P page script did not load'
  if (path === 'service-worker') return 'a service worker feeds the player'
  if (path === 'loader') return 'hls.js asks the page client'
  return api.stats.p2pEnabled ? 'P2P is not available here' : 'P2P is switched off'
}
