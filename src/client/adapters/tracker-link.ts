import TrackerClient from 'bittorrent-tracker'
import type { SimplePeer } from './mesh.js'

export interface TrackerLinkOptions {
  trackerUrl: string
  /** The mesh swarm announced (the viewer's shard). */
  swarm: string
  peerId: string
  rtcConfig: RTCConfiguration
  /** How many new peers to ask for now. */
  numwant(): number
  onPeer(peer: SimplePeer): void
  /** The swarm's size as the tracker counts it. */
  onAudience(count: number): void
}

/**
 * No word from the tracker for this many announce intervals means the connection is gone: a tracker answers every
 * announce, and the client announces every interval the tracker tells it (10 s from the built-in tracker).
 */
const SILENT_INTERVALS = 2.5
/** Until the tracker has told its interval (ms). */
const DEFAULT_INTERVAL_MS = 10_000
const WATCH_EVERY_MS = 5000
/** The first reconnect after a lost connection waits this long (ms), doubling while it fails. */
const RECONNECT_DELAY_MS = 1000

/** What of bittorrent-tracker 11.2.3's client this reads: its WebSocket trackers, each with its current socket. */
interface ClientInternals {
  _trackers?: { socket?: { once?: (event: 'close', listener: () => void) => void } }[]
}

/**
 * Calls `onClose` when a socket of the client closes. The client itself says nothing of a close (not even a
 * warning: a browser fires no `error` on a socket the server's side dropped). Returns false, and logs once, when
 * the internals are not as checked: the silence watchdog then still reconnects, later.
 */
function onSocketClose(client: TrackerClient, onClose: () => void): boolean {
  const trackers = (client as unknown as ClientInternals)._trackers
  const sockets = Array.isArray(trackers) ? trackers.map((tracker) => tracker.socket) : []
  if (sockets.length === 0 || sockets.some((socket) => typeof socket?.once !== 'function')) {
    if (!internalsWarned) console.error('live-torrent mesh: bittorrent-tracker is not the 11.2 client tracker-link.ts was checked against')
    internalsWarned = true
    return false
  }
  for (const socket of sockets) socket!.once!('close', onClose)
  return true
}
let internalsWarned = false

/**
 * The mesh's connection to the tracker (bittorrent-tracker's client, checked against 11.2.3), kept alive. That
 * client reconnects a lost WebSocket after 10 s plus a random wait of up to 5 minutes, and a clean close of the
 * socket emits nothing: after an origin or tracker restart, viewers stayed unreachable for new neighbours for
 * minutes. A client whose socket was lost is replaced by a fresh one after RECONNECT_DELAY_MS (doubling while it
 * keeps failing), which announces at once; one that has heard nothing for SILENT_INTERVALS announce intervals is
 * replaced too. (Existing neighbour connections are direct and do not depend on it.)
 */
export class TrackerLink {
  private client: TrackerClient | null = null
  private lastHeard = 0
  private intervalMs = DEFAULT_INTERVAL_MS
  private reconnectDelayMs = RECONNECT_DELAY_MS
  private reconnectTimer: ReturnType<typeof setTimeout> | null = null
  private readonly watchdog: ReturnType<typeof setInterval>
  private destroyed = false

  constructor(private readonly options: TrackerLinkOptions) {
    this.watchdog = setInterval(() => this.watch(), WATCH_EVERY_MS)
  }

  start(): void {
    this.connect()
  }

  destroy(): void {
    this.destroyed = true
    clearInterval(this.watchdog)
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer)
    this.client?.destroy()
    this.client = null
  }

  private connect(): void {
    const { options } = this
    const client = new TrackerClient({
      infoHash: options.swarm,
      peerId: options.peerId,
      announce: [options.trackerUrl],
      rtcConfig: options.rtcConfig,
      getAnnounceOpts: () => ({ numwant: options.numwant(), left: 1, uploaded: 0, downloaded: 0 }),
    })
    const heard = () => {
      this.lastHeard = Date.now()
      this.reconnectDelayMs = RECONNECT_DELAY_MS
    }
    client.on('peer', (peer: SimplePeer) => {
      heard()
      options.onPeer(peer)
    })
    client.on('update', (data: { complete?: number; incomplete?: number; interval?: number }) => {
      heard()
      if (typeof data.interval === 'number' && data.interval > 0) this.intervalMs = data.interval * 1000
      const count = (data.complete ?? 0) + (data.incomplete ?? 0)
      if (Number.isFinite(count) && count > 0) options.onAudience(count)
    })
    client.on('warning', (err: Error) => console.debug('live-torrent mesh:', err.message))
    client.on('error', (err: Error) => console.warn('live-torrent mesh: tracker error', err.message))
    this.client = client
    this.lastHeard = Date.now()
    client.start()
    onSocketClose(client, () => this.reconnectSoon(client))
  }

  private reconnectSoon(lost: TrackerClient): void {
    if (this.reconnectTimer || this.destroyed) return
    const delayMs = this.reconnectDelayMs
    this.reconnectDelayMs = Math.min(delayMs * 2, this.intervalMs * SILENT_INTERVALS)
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null
      if (this.destroyed || this.client !== lost) return
      console.warn(`live-torrent mesh: the tracker connection was lost; reconnecting after ${delayMs} ms`)
      lost.destroy()
      this.connect()
    }, delayMs)
  }

  private watch(): void {
    if (this.destroyed || !this.client || Date.now() - this.lastHeard < this.intervalMs * SILENT_INTERVALS) return
    console.warn(`live-torrent mesh: no word from the tracker for ${Math.round((Date.now() - this.lastHeard) / 1000)} s; reconnecting`)
    this.client.destroy()
    this.connect()
  }
}
