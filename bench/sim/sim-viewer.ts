import { DeliveryCore } from '../../src/client/core/delivery-core.js'
import type { HttpPort, HttpSink, MeshPort, PieceTransport, SwarmHandle, SwarmListener } from '../../src/client/core/ports.js'
import { StatsRecorder } from '../../src/client/core/stats.js'
import type { ControlMessage } from '../../src/protocol/mesh-control.js'
import type { AnnouncedSegment } from '../../src/protocol/playlist-magnets.js'
import { uniform } from './model.js'
import { PLAYLIST_URL } from './sim-player.js'
import { SimSwarm } from './sim-swarm.js'
import type { World } from './world.js'

export interface Link {
  peer: SimViewer
  oneWayMs: number
}

interface UploadRequest {
  to: SimViewer
  swarm: SimSwarm
  piece: number
}

/** The stats events' throttle timer would be millions of events across an audience: the simulator reads totals. */
const silentClock = { now: () => 0, setTimer: () => ({ cancel: () => {} }) }

/**
 * One simulated viewer: the real delivery core over simulated ports. It uploads one piece at a time at its upload
 * capacity (requests queue up, whatever swarm they are for), downloads over HTTP at its download capacity, and
 * sends control messages and 'have's over its links with each link's delay.
 */
export class SimViewer implements PieceTransport, HttpPort, MeshPort {
  readonly links = new Map<string, Link>()
  readonly swarms = new Map<string, SimSwarm>()
  readonly core: DeliveryCore
  readonly recorder = new StatsRecorder(true, silentClock)
  present = true
  /** Serving requests (unchoked); the core chokes everyone beyond its upload ratio. */
  uploadAllowed = true
  leftAt: number | null = null
  httpFetches = 0
  private readonly uploadQueue: UploadRequest[] = []
  private uploading = false
  private readonly originRttMs: number

  constructor(
    readonly world: World,
    readonly id: string,
    readonly uploadBps: number,
    readonly joinedAt: number,
  ) {
    this.originRttMs = uniform(world.random, world.params.originRttMs)
    const { delivery } = world.params
    const config = uploadBps === 0 ? { ...delivery, uploadLimit: 0 } : delivery
    const log = { debug: (message: string) => world.debug(message, this), warn: () => {} }
    this.core = new DeliveryCore(
      config,
      { clock: world.scheduler, random: world.random, log, transport: this, http: this, mesh: this },
      this.recorder,
    )
  }

  get selfId(): string {
    return this.id
  }

  // PieceTransport
  /** Ready after a round trip to the origin for its .torrent, or at once with one a neighbour passed on. */
  join(segment: AnnouncedSegment, listener: SwarmListener, torrentFile?: Uint8Array): SwarmHandle {
    const published = this.world.segmentByHash(segment.magnet.infoHash)
    if (!published) throw new Error(`simulator: no such segment ${segment.url}`)
    const swarm = new SimSwarm(this, published, listener)
    this.swarms.get(published.infoHash)?.leave()
    this.swarms.set(published.infoHash, swarm)
    if (!torrentFile) this.world.torrentFetches++
    this.world.scheduler.setTimer(torrentFile ? 0 : this.originRttMs, () => swarm.start())
    return swarm
  }

  setUploading(allowed: boolean): void {
    this.uploadAllowed = allowed
    if (allowed) return
    // Choked: what was asked is not served; each asker hears of it after its link's delay and asks elsewhere.
    for (const request of this.uploadQueue.splice(0)) {
      const delay = this.links.get(request.to.id)?.oneWayMs ?? 0
      this.world.scheduler.setTimer(delay, () => request.swarm.requestFailed(request.piece, this.id))
    }
  }

  // HttpPort: the response streams at the download capacity, after a round trip.
  fetch(url: string, range: { start: number; end: number } | null, sink: HttpSink): () => void {
    const segment = this.world.segmentByUrl(url)
    if (!segment) {
      this.world.scheduler.setTimer(this.originRttMs, () => sink.done(new Error('404')))
      return () => {}
    }
    const start = range?.start ?? 0
    const end = range?.end ?? segment.shape.length
    this.httpFetches++
    this.world.countHttp(this, segment, end - start)
    let aborted = false
    const bytesPerMs = this.world.params.downloadBitsPerSecond / 8000
    const piece = segment.shape.pieceLength
    for (let offset = start; offset < end; offset += piece) {
      const size = Math.min(piece, end - offset)
      const at = this.originRttMs + (offset + size - start) / bytesPerMs
      this.world.scheduler.setTimer(at, () => aborted || sink.data(new Uint8Array(size)))
    }
    this.world.scheduler.setTimer(this.originRttMs + (end - start) / bytesPerMs, () => aborted || sink.done())
    return () => (aborted = true)
  }

  /** The origin's live playlist, after a round trip (the core's own look at the live edge). */
  fetchText(url: string, done: (text: string | null) => void): void {
    const ok = url === PLAYLIST_URL
    if (ok && this.world.scheduler.now() >= this.world.measureFrom) this.world.playlistPolls++
    this.world.scheduler.setTimer(this.originRttMs, () => done(ok && this.present ? this.world.playlistText() : null))
  }

  /** A whole segment over plain HTTP, outside the core (the player's own fallback); calls back when it is in. */
  plainFetch(segmentUrl: string, done: () => void): void {
    const segment = this.world.segmentByUrl(segmentUrl)
    if (!segment) return
    this.httpFetches++
    if (this.world.scheduler.now() >= this.world.measureFrom) this.world.plainFetches++
    this.world.countHttp(this, segment, segment.shape.length)
    this.recorder.httpSegment(segment.shape.length)
    const ms = this.originRttMs + segment.shape.length / (this.world.params.downloadBitsPerSecond / 8000)
    this.world.scheduler.setTimer(ms, done)
  }

  // MeshPort
  neighbourIds(): readonly string[] {
    return [...this.links.keys()]
  }

  audience(): number | null {
    return this.world.presentCount
  }

  send(to: string, message: ControlMessage): void {
    const link = this.links.get(to)
    if (!link) return
    this.world.scheduler.setTimer(
      link.oneWayMs,
      () => link.peer.present && link.peer.links.has(this.id) && link.peer.core.onControl(this.id, message),
    )
  }

  ban(id: string): boolean {
    this.world.unlink(this, id)
    return true
  }

  /**
   * A piece gained: every neighbour in that swarm hears of it. One event for all of them, after this viewer's mean
   * link delay (requests and pieces take each link's own): a 'have' per piece per neighbour is most of a large
   * audience's events, and its timing matters less than a piece's.
   */
  announceHave(infoHash: string, piece: number): void {
    if (this.links.size === 0) return
    let delay = 0
    for (const link of this.links.values()) delay += link.oneWayMs
    this.world.scheduler.setTimer(delay / this.links.size, () => {
      for (const link of this.links.values()) {
        const theirs = link.peer.swarms.get(infoHash)
        if (theirs?.ready && link.peer.links.has(this.id)) theirs.learnHave(this.id, piece)
      }
    })
  }

  /** `swarm` (of this viewer) asks neighbour `from` for a piece: the request reaches it after the link's delay. */
  requestPiece(from: string, swarm: SimSwarm, piece: number): void {
    const link = this.links.get(from)
    if (!link) return swarm.requestFailed(piece, from)
    this.world.scheduler.setTimer(link.oneWayMs, () => link.peer.enqueueUpload({ to: this, swarm, piece }))
  }

  leave(): void {
    this.present = false
    this.leftAt = this.world.scheduler.now()
    for (const request of this.uploadQueue.splice(0)) request.swarm.requestFailed(request.piece, this.id)
    this.core.destroy()
  }

  private enqueueUpload(request: UploadRequest): void {
    if (!this.present || !this.uploadAllowed || !this.links.has(request.to.id)) return request.swarm.requestFailed(request.piece, this.id)
    this.uploadQueue.push(request)
    this.serveNext()
  }

  private serveNext(): void {
    if (this.uploading || !this.present) return
    const request = this.uploadQueue.shift()
    if (!request) return
    const mine = this.swarms.get(request.swarm.infoHash)
    // Asked for a piece it no longer holds (left the swarm), or the asker has it by now (a cancel would have come).
    if (!mine?.has(request.piece) || request.swarm.has(request.piece) || request.swarm.left) {
      request.swarm.requestFailed(request.piece, this.id)
      return this.serveNext()
    }
    this.uploading = true
    const ms = (request.swarm.pieceSize(request.piece) * 8000) / this.uploadBps
    this.world.scheduler.setTimer(ms, () => {
      this.uploading = false
      const link = this.links.get(request.to.id)
      if (link && this.present) this.world.scheduler.setTimer(link.oneWayMs, () => request.swarm.receive(request.piece, this.id))
      else request.swarm.requestFailed(request.piece, this.id)
      this.serveNext()
    })
  }
}
