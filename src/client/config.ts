import { ConfigError, DEFAULT_DELIVERY_CONFIG, validateDeliveryConfig, type DeliveryConfig } from './core/config.js'

/**
 * Configuration of the page client (one per page): the delivery core's settings (core/config.ts, with their
 * defaults there) and the page's own, whose defaults are here. The page script reads overrides from
 * `window.liveTorrentConfig` (set before the script loads) and from the page URL (`?p2p=0`, `?path=loader`), so
 * a site can tune it without a build.
 */
export interface ClientConfig extends DeliveryConfig {
  /** Use P2P at all. Off: every segment comes over plain HTTP and nothing is uploaded. */
  p2p: boolean
  /**
   * How segments reach the player: through the service worker (any MSE player), through the hls.js loader
   * (no service worker), or 'auto': the service worker where it can run, else the loader.
   */
  path: 'auto' | 'service-worker' | 'loader'
  /** URL of the service worker script; its scope is the directory it is served from (the site root). */
  serviceWorkerUrl: string
  /** How long to wait for the service worker to take control of a fresh page before using the loader (ms). */
  serviceWorkerTimeoutMs: number
  /**
   * When P2P starts: as soon as a video on the page first plays, or this long after the page script ran if none
   * has (ms). Until then every segment is plain HTTP, and the P2P bundle (WebTorrent, 328 kB minified) is not even
   * loaded, so that the player starts as fast as without P2P.
   */
  p2pStartMs: number
  /**
   * The startup hold (startup-hold.ts): until this viewer's first neighbour connects, and for at most this long
   * after P2P starts (ms), a segment request that the player's buffer lets wait (its P2P deadline) waits for that
   * neighbour instead of going over HTTP at once, so that the segments a player loads to fill its buffer at
   * startup come from peers. The segment the player needs at once is never held. 0: off.
   */
  startupHoldMs: number
  /** URL of the P2P bundle; null: live-torrent-p2p.js next to the page script. */
  p2pScriptUrl: string | null
  /** Neighbours (WebRTC connections to other viewers) at most. */
  maxNeighbours: number
  /**
   * STUN/TURN servers for WebRTC. Viewers behind NAT need a STUN server to reach each other; every ICE server
   * learns the viewer's public IP address, so a privacy-minded site runs its own (or lists none on a LAN).
   */
  iceServers: RTCIceServer[]
  /**
   * 'relay': every WebRTC connection goes through a TURN server of `iceServers` (give its credentials there), so a
   * neighbour only ever learns the TURN server's address, never this viewer's. 'all': direct where possible.
   */
  iceTransportPolicy: RTCIceTransportPolicy
  /**
   * Send this viewer's delivery totals to the origin (its audience view, /dashboard). A report holds only a
   * random per-page session id and the counts of src/protocol/viewer-report.ts: no address, no page URL.
   */
  report: boolean
  /** Where reports go; null: `/api/report` on the origin that serves the stream's .torrent files. */
  reportUrl: string | null
  /** How often a report goes out while the page is shown (ms); one more goes with sendBeacon when it is hidden. */
  reportIntervalMs: number
  /**
   * Log every delivery decision (console.debug: what a request waited for, where its bytes came from). Off by
   * default: with DevTools or a test driver attached, every console call is serialized to it, which took 4 % of
   * a viewer's main thread (measured in Chromium driven by Playwright).
   */
  debug: boolean
}

export const DEFAULT_CLIENT_CONFIG: ClientConfig = {
  ...DEFAULT_DELIVERY_CONFIG,
  p2p: true,
  path: 'auto',
  serviceWorkerUrl: '/live-torrent-sw.js',
  serviceWorkerTimeoutMs: 3000,
  p2pStartMs: 5000,
  startupHoldMs: 5000,
  p2pScriptUrl: null,
  maxNeighbours: 12,
  iceServers: [{ urls: 'stun:stun.l.google.com:19302' }],
  iceTransportPolicy: 'all',
  report: true,
  reportUrl: null,
  reportIntervalMs: 10_000,
  debug: false,
}

type Nested = 'deadline' | 'firstFetch'
export type ClientConfigOverrides = Partial<Omit<ClientConfig, Nested>> & { [K in Nested]?: Partial<ClientConfig[K]> }

/** The defaults with each override over them in turn (nested objects merged), checked: a bad value throws. */
export function resolveClientConfig(...overrides: (ClientConfigOverrides | undefined)[]): ClientConfig {
  let config: ClientConfig = {
    ...DEFAULT_CLIENT_CONFIG,
    deadline: { ...DEFAULT_CLIENT_CONFIG.deadline },
    firstFetch: { ...DEFAULT_CLIENT_CONFIG.firstFetch },
  }
  for (const override of overrides) {
    if (!override) continue
    for (const name of Object.keys(override))
      if (!(name in DEFAULT_CLIENT_CONFIG)) throw new ConfigError(`live-torrent: unknown option "${name}"`)
    config = {
      ...config,
      ...override,
      deadline: { ...config.deadline, ...override.deadline },
      firstFetch: { ...config.firstFetch, ...override.firstFetch },
    }
  }
  validateClientConfig(config)
  return config
}

function validateClientConfig(config: ClientConfig): void {
  validateDeliveryConfig(config)
  const check = (ok: boolean, name: string, expected: string) => {
    if (!ok) throw new ConfigError(`live-torrent: ${name} must be ${expected}, got ${JSON.stringify(config[name as keyof ClientConfig])}`)
  }
  check(typeof config.p2p === 'boolean', 'p2p', 'true or false')
  check(['auto', 'service-worker', 'loader'].includes(config.path), 'path', '"auto", "service-worker" or "loader"')
  check(typeof config.serviceWorkerUrl === 'string' && config.serviceWorkerUrl.length > 0, 'serviceWorkerUrl', 'a URL')
  check(Number.isFinite(config.serviceWorkerTimeoutMs) && config.serviceWorkerTimeoutMs >= 0, 'serviceWorkerTimeoutMs', 'a number of ms')
  check(Number.isFinite(config.p2pStartMs) && config.p2pStartMs >= 0, 'p2pStartMs', 'a number of ms')
  check(Number.isFinite(config.startupHoldMs) && config.startupHoldMs >= 0, 'startupHoldMs', 'a number of ms')
  check(
    config.p2pScriptUrl === null || (typeof config.p2pScriptUrl === 'string' && config.p2pScriptUrl.length > 0),
    'p2pScriptUrl',
    'null or a URL',
  )
  check(Number.isInteger(config.maxNeighbours) && config.maxNeighbours >= 1, 'maxNeighbours', 'a whole number of at least 1')
  check(Array.isArray(config.iceServers), 'iceServers', 'an array of RTCIceServer')
  check(config.iceTransportPolicy === 'all' || config.iceTransportPolicy === 'relay', 'iceTransportPolicy', '"all" or "relay"')
  check(
    config.iceTransportPolicy !== 'relay' || config.iceServers.some((server) => [server.urls].flat().some((url) => /^turns?:/.test(url))),
    'iceServers',
    'a list with a turn: or turns: server when iceTransportPolicy is "relay"',
  )
  check(typeof config.report === 'boolean', 'report', 'true or false')
  check(config.reportUrl === null || (typeof config.reportUrl === 'string' && config.reportUrl.length > 0), 'reportUrl', 'null or a URL')
  check(Number.isFinite(config.reportIntervalMs) && config.reportIntervalMs >= 1000, 'reportIntervalMs', 'a number of ms, at least 1000')
  check(typeof config.debug === 'boolean', 'debug', 'true or false')
}

/** Overrides from the page URL: `?p2p=0|1`, `?path=service-worker|loader`. */
export function configFromQuery(search: string): ClientConfigOverrides {
  const params = new URLSearchParams(search)
  const overrides: ClientConfigOverrides = {}
  const p2p = params.get('p2p')
  if (p2p !== null) overrides.p2p = p2p !== '0' && p2p !== 'off' && p2p !== 'false'
  const path = params.get('path')
  if (path === 'service-worker' || path === 'loader' || path === 'auto') overrides.path = path
  return overrides
}
