import WebTorrent from 'webtorrent/dist/webtorrent.min.js'
import { fallbackShard, pickShard, type MeshShard } from '../protocol/mesh-shards.js'
import type { AnnouncedSegment } from '../protocol/playlist-magnets.js'
import { browserClock, consoleLog, fetchHttp } from './adapters/browser-ports.js'
import { Mesh } from './adapters/mesh.js'
import { WebTorrentTransport } from './adapters/webtorrent-transport.js'
import { assertWebTorrent } from './adapters/webtorrent-internals.js'
import type { ClientConfig } from './config.js'
import { DeliveryCore } from './core/delivery-core.js'
import { requestDeadline } from './core/deadline.js'
import { Ladders } from './core/ladders.js'
import type { Log } from './core/ports.js'
import type { DeliveredSegment } from './core/segment-request.js'
import { StatsRecorder } from './core/stats.js'
import { readVariants } from './variants.js'

/**
 * The page's P2P side, one per page: the delivery core over its browser ports (WebTorrent swarms on the neighbour
 * mesh, fetch, the page's clock). The service worker bridge or the hls.js loader tells it which segments exist
 * (announce) and asks for them (deliver); it answers with verified bytes from peers, or with HTTP once the
 * deadline passes, and seeds them. P2P starts on the first playlist with magnets, in the mesh shard it lists
 * for this viewer (or, without mesh lines, on the WebSocket trackers the magnets name).
 */
export class PageClient {
  readonly recorder: StatsRecorder
  private readonly peerId = randomPeerId()
  private torrents: WebTorrent | null = null
  private transport: WebTorrentTransport | null = null
  private mesh: Mesh | null = null
  private core: DeliveryCore | null = null
  private readonly ladders = new Ladders()
  readonly log: Log
  /** The origin that serves the stream's .torrent files (its first magnets say), null before any. */
  originUrl: string | null = null

  constructor(readonly config: ClientConfig) {
    this.recorder = new StatsRecorder(config.p2p, browserClock)
    this.log = consoleLog(config.debug)
  }

  get p2p(): boolean {
    return this.config.p2p
  }

  /** A playlist lists these segments (and where viewers meet): join their swarms now, well before the player asks. */
  announce(playlistUrl: string, segments: AnnouncedSegment[], mesh: readonly MeshShard[] = []): void {
    if (segments.length > 0) this.originUrl ??= originOf(segments[0]!.magnet.torrentUrl)
    if (!this.config.p2p || segments.length === 0) return
    this.ensureStarted(segments, mesh)?.announce(playlistUrl, segments)
  }

  /**
   * The player asks for a segment. Resolves with its bytes (from peers, HTTP or both), or null when this client
   * does not know the segment or P2P is off: then the caller fetches it over plain HTTP itself. With
   * `callerFetches` (the service worker), it rejects with HttpHandedOver once peers had their time, and the
   * caller's HTTP bytes come back through `fetchedElsewhere`.
   */
  deliver(key: string, bufferAheadMs: number | null, callerFetches = false): Promise<DeliveredSegment | null> {
    return this.config.p2p && this.core ? this.core.deliver(key, bufferAheadMs, callerFetches) : Promise.resolve(null)
  }

  /** How long the service worker waits for `deliver` of `key` with this buffer before it fetches the segment itself. */
  answerWithinMs(key: string, bufferAheadMs: number | null): number {
    return this.core?.answerWithinMs(key, bufferAheadMs) ?? requestDeadline(bufferAheadMs, this.config.deadline, null, 0).waitMs
  }

  /** The player loaded a master playlist: its rendition ladder, for the ABR guard of the worker path. */
  master(playlistUrl: string, text: string): void {
    this.ladders.add(readVariants(text, playlistUrl))
  }

  /** The service worker fetched a segment over HTTP itself: checked and seeded if the core holds it, and counted. */
  fetchedElsewhere(key: string, body: Uint8Array<ArrayBuffer>, waitedMs: number): void {
    if (this.core) this.core.fetchedElsewhere(key, body, waitedMs)
    else this.recorder.httpSegment(body.length)
  }

  knows(key: string): boolean {
    return this.core?.knows(key) ?? false
  }

  destroy(): void {
    this.core?.destroy()
    this.transport?.destroy()
    this.mesh?.destroy()
    this.torrents?.destroy()
  }

  /** Starts WebTorrent, the mesh and the core on the first segments, in this viewer's mesh shard. */
  private ensureStarted(segments: AnnouncedSegment[], shards: readonly MeshShard[]): DeliveryCore | null {
    if (this.core) return this.core
    const shard = pickShard(shards, this.peerId) ?? fallbackShard(segments.flatMap((segment) => segment.magnet.trackers))
    if (!shard) {
      console.warn('live-torrent: the playlist names no WebSocket tracker; P2P is off for this stream')
      return null
    }
    this.recorder.meshShard(Math.max(0, shards.indexOf(shard)))
    assertWebTorrent()
    const torrents = new WebTorrent({ peerId: this.peerId, tracker: false, dht: false, lsd: false, utPex: false, webSeeds: false })
    torrents.on('error', (err) => console.warn('live-torrent: WebTorrent error', err))
    if (this.config.uploadLimit > 0) torrents.throttleUpload(this.config.uploadLimit)
    let core: DeliveryCore | null = null
    const mesh: Mesh = new Mesh({
      trackerUrls: shard.trackers,
      swarm: shard.swarm,
      peerId: this.peerId,
      maxNeighbours: this.config.maxNeighbours,
      iceServers: this.config.iceServers,
      iceTransportPolicy: this.config.iceTransportPolicy,
      onNeighbour: (neighbour) => {
        this.recorder.peers(mesh.size)
        transport.onNeighbour(neighbour)
        core?.onNeighbour(neighbour.id)
      },
      onNeighbourGone: (neighbour) => {
        this.recorder.peers(mesh.size)
        core?.onNeighbourGone(neighbour.id)
      },
      onChannel: (neighbour, infoHash, channel) => transport.onChannel(neighbour, infoHash, channel),
      onControl: (from, message) => core?.onControl(from, message),
    })
    const transport = new WebTorrentTransport({
      client: torrents,
      canUpload: this.config.uploadLimit !== 0,
      neighbours: () => mesh.all(),
      openChannel: (neighbour, infoHash) => mesh.openChannel(neighbour, infoHash),
    })
    core = new DeliveryCore(
      this.config,
      { clock: browserClock, random: Math.random, log: this.log, transport, http: fetchHttp, mesh },
      this.recorder,
      this.ladders,
    )
    this.torrents = torrents
    this.transport = transport
    this.mesh = mesh
    this.core = core
    mesh.start()
    return core
  }
}

function originOf(url: string): string | null {
  try {
    return new URL(url).origin
  } catch {
    return null
  }
}

function randomPeerId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(20))
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('')
}
