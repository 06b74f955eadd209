import type { HlsConfig, Loader, LoaderContext } from 'hls.js'
import { createLoaders } from '../hlsjs/loader.js'
import { configFromQuery, resolveClientConfig, type ClientConfig, type ClientConfigOverrides } from '../client/config.js'
import { scriptStackLoader } from '../client/adapters/p2p-script.js'
import { MediaWatch } from '../client/media-watch.js'
import { PageClient } from '../client/page-client.js'
import type { DeliveryPath, HlsLike, LiveTorrentPageApi } from '../client/page-api.js'
import { bridgeServiceWorker, startServiceWorker } from '../client/sw-bridge.js'
import { startReporting } from '../client/report/page-report.js'

/**
 * The page script (dist/browser/live-torrent.js): include it on any page with a video player and it makes the
 * page a viewer. It registers the service worker (which serves the player's segment requests), runs the page
 * client, and publishes `window.liveTorrent`. Configure it with `window.liveTorrentConfig` before it loads.
 * P2P itself (live-torrent-p2p.js, src/entries/p2p-stack.ts) is loaded once the player has started.
 */
declare const LIVE_TORRENT_VERSION: string

/** Read while this script runs (a classic <script>): the P2P bundle is served next to it. */
const PAGE_SCRIPT_URL = document.currentScript instanceof HTMLScriptElement ? document.currentScript.src : null

function p2pScriptUrl(config: ClientConfig): string {
  if (config.p2pScriptUrl !== null) return new URL(config.p2pScriptUrl, location.href).href
  if (PAGE_SCRIPT_URL) return new URL('live-torrent-p2p.js', PAGE_SCRIPT_URL).href
  console.warn('live-torrent: the page script does not know its own URL (not loaded by a <script src>); set p2pScriptUrl')
  return new URL('/live-torrent-p2p.js', location.href).href
}

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

/** Resolves once the document's classic and module scripts have run (the player's own script among them). */
function scriptsHaveRun(): Promise<void> {
  if (document.readyState !== 'loading') return Promise.resolve()
  return new Promise((resolve) => document.addEventListener('DOMContentLoaded', () => resolve(), { once: true }))
}

/**
 * On a first visit (no worker controls the page yet) with a player on the hls.js loaders, the worker registers
 * only once the player has started: its download, install and claim would compete with the player's first
 * requests (and a claim mid-startup routes them through a worker that does not yet know the tab), while the
 * loaders serve the player meanwhile. A player without the loaders may be waiting for `ready`: it registers at once.
 */
async function whenToRegister(loadersTaken: () => boolean, playerStarted: Promise<void>): Promise<void> {
  if (!('serviceWorker' in navigator) || !window.isSecureContext || navigator.serviceWorker.controller) return
  await scriptsHaveRun()
  if (loadersTaken()) await playerStarted
}

async function choosePath(
  config: ClientConfig,
  client: PageClient,
  media: MediaWatch,
  registerAfter: Promise<void>,
): Promise<DeliveryPath> {
  if (config.path !== 'loader') {
    await registerAfter
    const hello = { lt: 'hello', p2p: client.p2p } as const
    if (await startServiceWorker(config.serviceWorkerUrl, config.serviceWorkerTimeoutMs, hello)) {
      bridgeServiceWorker(client, () => media.bufferAheadMs())
      return 'service-worker'
    }
  }
  return config.p2p ? 'loader' : 'http'
}

/** Resolves once the player is playing, or after `p2pStartMs` without a first frame. */
function playerStart(media: MediaWatch, p2pStartMs: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, p2pStartMs)
    media.onFirstFrame(() => {
      clearTimeout(timer)
      resolve()
    })
  })
}

function start(): LiveTorrentPageApi {
  const config = resolveClientConfig(window.liveTorrentConfig, storedChoice(), configFromQuery(location.search))
  const client = new PageClient(config, scriptStackLoader(p2pScriptUrl(config), LIVE_TORRENT_VERSION))
  const media = new MediaWatch(() => client.recorder.stall())
  // P2P starts once the player is playing: startup stays plain HTTP.
  const playerStarted = playerStart(media, config.p2pStartMs)
  void playerStarted.then(() => client.startP2P())
  let path: DeliveryPath | null = null
  let loadersTaken = false
  const ready = choosePath(
    config,
    client,
    media,
    whenToRegister(() => loadersTaken, playerStarted),
  )
    .catch((err: unknown) => {
      console.warn('live-torrent: P2P unavailable, playing over plain HTTP', err)
      return 'http' as const
    })
    .then((settled) => (path = settled))
  startReporting(config, client, media, ready)
  const hlsjsLoaders = (hls: HlsLike | undefined = window.Hls) => {
    if (!hls) throw new Error('live-torrent: pass your Hls class to hlsjsLoaders(Hls)')
    const base = hls.DefaultConfig.loader as new (config: HlsConfig) => Loader<LoaderContext>
    loadersTaken = true
    return createLoaders(base, {
      client,
      bufferAheadMs: () => media.bufferAheadMs(),
      routesSegments: () => path === 'loader' || path === null,
    })
  }
  return { ready, stats: client.recorder.stats, events: client.recorder.events, config, setP2P, hlsjsLoaders }
}

window.liveTorrent ??= start()
