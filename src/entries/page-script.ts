// First: WebTorrent's hashing library reads WebCrypto when it loads.
import '../client/sha1-fallback.js'
import type { HlsConfig, Loader, LoaderContext } from 'hls.js'
import { createLoaders } from '../hlsjs/loader.js'
import { configFromQuery, resolveClientConfig, type ClientConfig, type ClientConfigOverrides } from '../client/config.js'
import { MediaWatch } from '../client/media-watch.js'
import { PageClient } from '../client/page-client.js'
import type { DeliveryPath, HlsLike, LiveTorrentPageApi } from '../client/page-api.js'
import { bridgeServiceWorker, startServiceWorker } from '../client/sw-bridge.js'
import { startReporting } from '../client/report/page-report.js'

/**
 * The page script (dist/browser/live-torrent.js): include it on any page with a video player and it makes the
 * page a viewer. It registers the service worker (which serves the player's segment requests), runs the page
 * client, and publishes `window.liveTorrent`. Configure it with `window.liveTorrentConfig` before it loads.
 */

const P2P_STORAGE_KEY = 'live-torrent:p2p'

function storedChoice(): ClientConfigOverrides {
  try {
    const stored = localStorage.getItem(P2P_STORAGE_KEY)
    return stored === null ? {} : { p2p: stored === '1' }
  } catch {
    return {}
  }
}

function setP2P(enabled: boolean): void {
  try {
    localStorage.setItem(P2P_STORAGE_KEY, enabled ? '1' : '0')
  } catch {
    console.warn('live-torrent: cannot remember the P2P choice (storage unavailable)')
  }
}

async function choosePath(config: ClientConfig, client: PageClient, media: MediaWatch): Promise<DeliveryPath> {
  if (config.path !== 'loader' && (await startServiceWorker(config.serviceWorkerUrl, config.serviceWorkerTimeoutMs))) {
    bridgeServiceWorker(client, () => media.bufferAheadMs())
    return 'service-worker'
  }
  return config.p2p ? 'loader' : 'http'
}

function start(): LiveTorrentPageApi {
  const config = resolveClientConfig(window.liveTorrentConfig, storedChoice(), configFromQuery(location.search))
  const client = new PageClient(config)
  const media = new MediaWatch(() => client.recorder.stall())
  let path: DeliveryPath | null = null
  const ready = choosePath(config, client, media)
    .catch((err: unknown) => {
      console.warn('live-torrent: P2P unavailable, playing over plain HTTP', err)
      return 'http' as const
    })
    .then((settled) => (path = settled))
  startReporting(config, client, media, ready)
  const hlsjsLoaders = (hls: HlsLike | undefined = window.Hls) => {
    if (!hls) throw new Error('live-torrent: pass your Hls class to hlsjsLoaders(Hls)')
    const base = hls.DefaultConfig.loader as new (config: HlsConfig) => Loader<LoaderContext>
    return createLoaders(base, {
      client,
      bufferAheadMs: () => media.bufferAheadMs(),
      routesSegments: () => path === 'loader',
      workerControls: () => path === 'service-worker',
    })
  }
  return { ready, stats: client.recorder.stats, events: client.recorder.events, config, setP2P, hlsjsLoaders }
}

window.liveTorrent ??= start()
