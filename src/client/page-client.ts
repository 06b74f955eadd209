import WebTorrent from 'webtorrent/dist/webtorrent.min.js'
import type { AnnouncedSegment } from '../protocol/playlist-magnets.js'
import type { ClientConfig } from './config.js'
import { deliver, p2pWaitMs, type DeliveredSegment } from './deadline.js'
import { Mesh } from './mesh.js'
import type { SwarmHooks } from './segment-swarm.js'
import { StatsRecorder } from './stats.js'
import { SwarmBook } from './swarm-book.js'

/**
 * The page's P2P side, one per page: a WebTorrent client whose segment swarms run over the neighbour mesh.
 * The service worker bridge or the hls.js loader tells it which segments exist (announce) and asks for them
 * (deliver); it answers with verified bytes from peers, or with HTTP once the deadline passes, and seeds them.
 */
export class PageClient {
  readonly recorder: StatsRecorder
  private readonly peerId = randomPeerId()
  private torrents: WebTorrent | null = null
  private mesh: Mesh | null = null
  private book: SwarmBook | null = null

  constructor(readonly config: ClientConfig) {
    this.recorder = new StatsRecorder(config.p2p)
  }

  get p2p(): boolean {
    return this.config.p2p
  }

  /** A playlist lists these segments: join their swarms now, well before the player asks. */
  announce(playlistUrl: string, segments: AnnouncedSegment[]): void {
    if (!this.config.p2p || segments.length === 0) return
    this.ensureStarted(segments)?.announce(playlistUrl, segments)
  }

  /**
   * The player asks for a segment. Resolves with its bytes (from peers, HTTP or both), or null when this client
   * does not know the segment or P2P is off: then the caller fetches it over plain HTTP itself.
   */
  async deliver(key: string, bufferAheadMs: number | null): Promise<DeliveredSegment | null> {
    const acquired = this.config.p2p && this.book ? await this.book.acquire(key) : null
    if (!acquired) return null
    const { swarm, release } = acquired
    try {
      const delivered = await deliver(swarm, p2pWaitMs(bufferAheadMs, this.config.deadline), this.config.httpLotteryShare)
      if (delivered.httpAfterMs !== null) this.recorder.fallback(swarm.infoHash, delivered.httpAfterMs)
      this.recorder.segment({
        infoHash: swarm.infoHash,
        source: delivered.source,
        bytes: delivered.bytes.length,
        waitedMs: delivered.waitedMs,
      })
      return delivered
    } finally {
      release()
    }
  }

  /** How long `deliver` may take at most for this buffer: the caller's own timeout builds on it. */
  answerWithinMs(bufferAheadMs: number | null): number {
    return p2pWaitMs(bufferAheadMs, this.config.deadline)
  }

  knows(key: string): boolean {
    return this.book?.has(key) ?? false
  }

  destroy(): void {
    this.book?.destroy()
    this.mesh?.destroy()
    this.torrents?.destroy()
  }

  /** Starts WebTorrent and the mesh on the first segments, with the tracker their magnets name. */
  private ensureStarted(segments: AnnouncedSegment[]): SwarmBook | null {
    if (this.book) return this.book
    const trackerUrl = segments.flatMap((segment) => segment.magnet.trackers).find((url) => /^wss?:\/\//.test(url))
    if (!trackerUrl) {
      console.warn('live-torrent: the magnets name no WebSocket tracker; P2P is off for this stream')
      return null
    }
    const torrents = new WebTorrent({ peerId: this.peerId, tracker: false, dht: false, lsd: false, utPex: false, webSeeds: false })
    torrents.on('error', (err) => console.warn('live-torrent: WebTorrent error', err))
    if (this.config.uploadLimit > 0) torrents.throttleUpload(this.config.uploadLimit)
    const mesh = new Mesh({
      trackerUrl,
      peerId: this.peerId,
      maxNeighbours: this.config.maxNeighbours,
      iceServers: this.config.iceServers,
      onNeighbour: (neighbour) => {
        this.recorder.peers(mesh.size)
        book.onNeighbour(neighbour)
      },
      onNeighbourGone: () => this.recorder.peers(mesh.size),
      onChannel: (neighbour, infoHash, channel) => book.onChannel(neighbour, infoHash, channel),
    })
    const book = new SwarmBook({
      client: torrents,
      mesh,
      keepSegments: this.config.keepSegments,
      canUpload: this.config.uploadLimit !== 0,
      hooksFor: (infoHash) => this.hooksFor(infoHash, mesh),
      onHeld: (segments) => this.recorder.held(segments),
    })
    this.torrents = torrents
    this.mesh = mesh
    this.book = book
    mesh.start()
    return book
  }

  private hooksFor(infoHash: string, mesh: Mesh): SwarmHooks {
    let rejected = false
    return {
      peerBytes: (bytes) => this.recorder.peerBytes(infoHash, bytes),
      httpBytes: (bytes) => this.recorder.httpBytes(infoHash, bytes),
      uploaded: (bytes) => this.recorder.uploaded(infoHash, bytes),
      badPiece: (piece, neighbours) => {
        // Only neighbours not banned yet count: one bad neighbour often fails pieces of several segments at once.
        const dropped = neighbours.filter((id) => mesh.ban(id)).length
        this.recorder.rejected({ infoHash, piece, peersDropped: dropped }, !rejected)
        rejected = true
      },
    }
  }
}

function randomPeerId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(20))
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('')
}
