/**
 * Configuration of the page client (one per page). Every default is here, once.
 * The page script reads overrides from `window.liveTorrentConfig` (set before the script loads) and from the
 * page URL (`?p2p=0`, `?path=loader`), so a site can tune it without a build.
 */
export interface ClientConfig {
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
  /** Upload cap in bytes per second; -1 = no cap, 0 = upload switched off (download from peers still works). */
  uploadLimit: number
  /** Segments kept (and seeded) per rendition; older ones are removed from the client. Bounds memory. */
  keepSegments: number
  /** Neighbours (WebRTC connections to other viewers) at most. */
  maxNeighbours: number
  /**
   * STUN/TURN servers for WebRTC. Viewers behind NAT need a STUN server to reach each other; every ICE server
   * learns the viewer's public IP address, so a privacy-minded site runs its own (or lists none on a LAN).
   */
  iceServers: RTCIceServer[]
  /**
   * The P2P deadline: a segment the player asks for waits for peers at most
   *   clamp(bufferAheadMs - httpReserveMs, 0, maxWaitMs)
   * where bufferAheadMs is how much media the player has buffered ahead of its playhead; then HTTP takes over.
   * When the buffer is unknown (no <video> found), defaultWaitMs is used.
   */
  deadline: { httpReserveMs: number; maxWaitMs: number; defaultWaitMs: number }
  /**
   * Before the deadline, a viewer whose peers do not have the segment yet starts HTTP after a random share of
   * its wait (a lottery): among viewers at the same point, one fetches early and the rest get it from that one.
   * 0 disables the lottery (always wait the full deadline).
   */
  httpLotteryShare: number
  /** Extra time the service worker gives the page beyond the page's own promise before fetching itself (ms). */
  serviceWorkerGraceMs: number
}

export const DEFAULT_CLIENT_CONFIG: ClientConfig = {
  p2p: true,
  path: 'auto',
  serviceWorkerUrl: '/live-torrent-sw.js',
  serviceWorkerTimeoutMs: 3000,
  uploadLimit: -1,
  keepSegments: 12,
  maxNeighbours: 12,
  iceServers: [{ urls: 'stun:stun.l.google.com:19302' }],
  deadline: { httpReserveMs: 4000, maxWaitMs: 6000, defaultWaitMs: 1000 },
  httpLotteryShare: 0.6,
  serviceWorkerGraceMs: 4000,
}

export type ClientConfigOverrides = Partial<Omit<ClientConfig, 'deadline'>> & { deadline?: Partial<ClientConfig['deadline']> }

export function resolveClientConfig(...overrides: (ClientConfigOverrides | undefined)[]): ClientConfig {
  let config: ClientConfig = { ...DEFAULT_CLIENT_CONFIG, deadline: { ...DEFAULT_CLIENT_CONFIG.deadline } }
  for (const override of overrides) {
    if (!override) continue
    config = { ...config, ...override, deadline: { ...config.deadline, ...override.deadline } }
  }
  return config
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
