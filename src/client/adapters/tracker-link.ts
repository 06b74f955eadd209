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

/**
 * The mesh's connection to the tracker (bittorrent-tracker's client, checked against 11.2.3), kept alive. That
 * client reconnects a lost WebSocket after 10 s plus a random wait of up to 5 minutes, and a clean close of the
 * socket emits nothing: after an origin or tracker restart, viewers stayed unreachable for new neighbours for
 * minutes. A client that has heard nothing for SILENT_INTERVALS announce intervals is replaced by a fresh one, which announces
 * at once. (Existing neighbour connections are direct and do not depend on it.)
 */
export class TrackerLink {
  private client: TrackerClient | null = null
  private lastHeard = 0
  private intervalMs = DEFAULT_INTERVAL_MS
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
    const heard = () => (this.lastHeard = Date.now())
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
  }

  private watch(): void {
    if (this.destroyed || !this.client || Date.now() - this.lastHeard < this.intervalMs * SILENT_INTERVALS) return
    console.warn(`live-torrent mesh: no word from the tracker for ${Math.round((Date.now() - this.lastHeard) / 1000)} s; reconnecting`)
    this.client.destroy()
    this.connect()
  }
}
