import type { SwarmHandle, SwarmListener, SwarmShape } from '../../src/client/core/ports.js'
import type { AnnouncedSegment } from '../../src/protocol/playlist-magnets.js'
import type { SimViewer } from './sim-viewer.js'

/** A segment as the simulated origin published it. */
export interface SimSegment {
  sequence: number
  infoHash: string
  segment: AnnouncedSegment
  shape: SwarmShape
  /** When it entered the origin's playlist (ms). */
  publishedAt: number
}

const zeroBuffers = new Map<number, Uint8Array<ArrayBuffer>>()
/** The simulator moves no bytes: a delivered segment is a shared buffer of the right length. */
function bytesOfLength(length: number): Uint8Array<ArrayBuffer> {
  let bytes = zeroBuffers.get(length)
  if (!bytes) zeroBuffers.set(length, (bytes = new Uint8Array(length)))
  return bytes
}

/** WebTorrent 2.8 (lib/torrent.js): a block is 16 KiB; hotswap takes a piece only from a wire below 3 blocks/s. */
const BLOCK = 16 * 1024
const SPEED_THRESHOLD = 3 * BLOCK
const MAX_PIPELINE = 40
const TICK_MS = 200
/** The simulator's stand-in for a .torrent (its size is what a notice carries). */
const TORRENT_FILE = new Uint8Array(900)

/** A wire of this swarm to one neighbour: what it has, what is asked of it, and how fast it has delivered. */
interface SimWire {
  bits: Uint8Array
  outstanding: number
  received: number
  openedAt: number
}

/**
 * One viewer's swarm of one segment, as WebTorrent 2.8 runs it: it knows which pieces each neighbour has
 * (bitfield on connect, then a 'have' per piece, each after the link's one-way delay), keeps a pipeline of
 * requests per wire that grows with the wire's speed (2 + one second's worth of blocks, as getBlockPipelineLength
 * does; a fresh wire, as every new segment's is, starts at 2), picks pieces rarest-first (random among the rarest)
 * or in order, and lets a fast wire take over a piece reserved by a very slow one (_hotswap). A viewer with
 * upload off never unchokes, so nobody asks it.
 */
export class SimSwarm implements SwarmHandle {
  readonly have: Uint8Array
  haveCount = 0
  /** Per piece, the wires (neighbour ids) it is requested from. */
  private readonly reservations: (string[] | null)[]
  /** Per piece, how many neighbours have it (the rarity map). */
  private readonly availability: Uint16Array
  private readonly wires = new Map<string, SimWire>()
  ready = false
  left = false
  httpPieces = 0
  completedAt: number | null = null

  constructor(
    readonly viewer: SimViewer,
    readonly segment: SimSegment,
    private readonly listener: SwarmListener,
  ) {
    this.have = new Uint8Array(segment.shape.pieceCount)
    this.reservations = new Array(segment.shape.pieceCount).fill(null)
    this.availability = new Uint16Array(segment.shape.pieceCount)
  }

  get done(): boolean {
    return this.haveCount === this.segment.shape.pieceCount
  }

  get infoHash(): string {
    return this.segment.infoHash
  }

  pieceSize(piece: number): number {
    const { pieceLength, length } = this.segment.shape
    return Math.min(pieceLength, length - piece * pieceLength)
  }

  /** The .torrent is in: exchange bitfields with every neighbour in this swarm. */
  start(): void {
    if (this.left) return
    this.ready = true
    this.listener.ready(this.segment.shape, TORRENT_FILE)
    for (const link of this.viewer.links.values()) this.greet(link.peer.id)
    this.tick()
  }

  private tick(): void {
    if (this.done || this.left) return
    this.tryRequests()
    this.viewer.world.scheduler.setTimer(TICK_MS, () => this.tick())
  }

  /** Tells a neighbour what this viewer has, and learns what it has (both after the link's delay). */
  greet(neighbourId: string): void {
    const link = this.viewer.links.get(neighbourId)
    const theirs = link?.peer.swarms.get(this.infoHash)
    if (!link || !theirs?.ready) return
    const world = this.viewer.world
    world.scheduler.setTimer(link.oneWayMs, () => theirs.learnBitfield(this.viewer.id, this.have))
    world.scheduler.setTimer(link.oneWayMs, () => this.learnBitfield(neighbourId, theirs.have))
  }

  learnBitfield(from: string, bits: Uint8Array): void {
    if (this.left || !this.viewer.links.has(from)) return
    this.dropWire(from)
    const wire: SimWire = { bits: Uint8Array.from(bits), outstanding: 0, received: 0, openedAt: this.viewer.world.scheduler.now() }
    this.wires.set(from, wire)
    for (let piece = 0; piece < bits.length; piece++) this.availability[piece]! += bits[piece]!
    this.tryRequests()
  }

  learnHave(from: string, piece: number): void {
    const wire = this.wires.get(from)
    if (this.left || !wire || wire.bits[piece]) return
    wire.bits[piece] = 1
    this.availability[piece]!++
    this.requestFrom(from, wire)
  }

  has(piece: number): boolean {
    return this.have[piece] === 1
  }

  peersCanHelp(): boolean {
    for (const [id, wire] of this.wires) {
      if (!this.canAsk(id)) continue
      for (let piece = 0; piece < wire.bits.length; piece++) if (wire.bits[piece] && !this.have[piece]) return true
    }
    return false
  }

  putHttpPiece(piece: number): void {
    if (this.left || this.have[piece]) return
    this.httpPieces++
    this.gain(piece, 'http')
  }

  read(done: (bytes: Uint8Array<ArrayBuffer> | null) => void): void {
    done(bytesOfLength(this.segment.shape.length))
  }

  /** Leaves the swarm: the torrent is destroyed, and each neighbour's wire to it closes (after the link's delay). */
  leave(): void {
    this.left = true
    if (this.viewer.swarms.get(this.infoHash) === this) this.viewer.swarms.delete(this.infoHash)
    for (const link of this.viewer.links.values()) {
      const theirs = link.peer.swarms.get(this.infoHash)
      if (theirs) this.viewer.world.scheduler.setTimer(link.oneWayMs, () => theirs.forget(this.viewer.id))
    }
  }

  /** A neighbour's block arrived. */
  receive(piece: number, from: string): void {
    this.release(piece, from)
    if (this.left) return
    const wire = this.wires.get(from)
    if (wire) wire.received += this.pieceSize(piece)
    if (!this.have[piece]) {
      this.gain(piece, 'peers')
      this.viewer.links.get(from)?.peer.swarms.get(this.infoHash)?.listener.uploaded(this.pieceSize(piece))
    }
    if (wire) this.requestFrom(from, wire)
  }

  /** A request could not be served (the neighbour left or dropped the link). */
  requestFailed(piece: number, from: string): void {
    this.release(piece, from)
    if (!this.left) this.tryRequests()
  }

  /** The neighbour is gone: its wire closes, and what was asked of it can be asked elsewhere. */
  forget(neighbourId: string): void {
    if (!this.dropWire(neighbourId)) return
    for (let piece = 0; piece < this.reservations.length; piece++) this.unreserve(piece, neighbourId)
    if (!this.left) this.tryRequests()
  }

  private dropWire(neighbourId: string): boolean {
    const wire = this.wires.get(neighbourId)
    if (!wire) return false
    for (let piece = 0; piece < wire.bits.length; piece++) this.availability[piece]! -= wire.bits[piece]!
    this.wires.delete(neighbourId)
    return true
  }

  private release(piece: number, from: string): void {
    const wire = this.wires.get(from)
    if (wire) wire.outstanding = Math.max(0, wire.outstanding - 1)
    this.unreserve(piece, from)
  }

  private unreserve(piece: number, from: string): void {
    const holders = this.reservations[piece]
    if (!holders) return
    const index = holders.indexOf(from)
    if (index >= 0) holders.splice(index, 1)
    if (holders.length === 0) this.reservations[piece] = null
  }

  /** Bytes per second this wire has delivered since it opened (WebTorrent's downloadSpeed, roughly). */
  private speed(wire: SimWire): number {
    const seconds = Math.max(1, (this.viewer.world.scheduler.now() - wire.openedAt) / 1000)
    return wire.received / seconds
  }

  private gain(piece: number, from: 'peers' | 'http'): void {
    this.have[piece] = 1
    this.haveCount++
    this.listener.verified(piece, from, this.pieceSize(piece))
    this.viewer.announceHave(this.infoHash, piece)
    if (this.done) {
      this.completedAt = this.viewer.world.scheduler.now()
      this.viewer.world.recordCompletion(this)
      this.listener.completed()
    }
  }

  private canAsk(neighbourId: string): boolean {
    const link = this.viewer.links.get(neighbourId)
    return !!link && link.peer.uploadBps > 0 && link.peer.uploadAllowed
  }

  /**
   * Every wire gets the chance to fill its pipeline, or to take over a slow wire's piece. WebTorrent does this on
   * every piece and 'have' (_update); here a 'have' or a piece tries its own wire at once, and all wires are tried
   * on a 200 ms tick while the segment is incomplete, which keeps a large audience simulable.
   */
  private tryRequests(): void {
    if (this.done || this.left || !this.ready) return
    for (const [id, wire] of this.wires) this.requestFrom(id, wire)
  }

  /** Fills one wire's pipeline (a fresh wire's is 2 blocks; one second's worth more as it proves its speed). */
  private requestFrom(id: string, wire: SimWire): void {
    if (this.done || this.left || !this.ready || !this.canAsk(id)) return
    const speed = this.speed(wire)
    const pipeline = Math.min(MAX_PIPELINE, this.viewer.world.params.requestsPerWire + Math.ceil(speed / BLOCK))
    while (wire.outstanding < pipeline) {
      const piece = this.pickPiece(wire.bits) ?? this.hotswap(wire, speed)
      if (piece === null) break
      const holders = (this.reservations[piece] ??= [])
      holders.push(id)
      wire.outstanding++
      this.viewer.requestPiece(id, this, piece)
    }
  }

  /** A piece only very slow wires are asked for, which this wire (at least twice as fast) can take over. */
  private hotswap(wire: SimWire, speed: number): number | null {
    if (speed < BLOCK) return null
    for (let piece = 0; piece < this.reservations.length; piece++) {
      const holders = this.reservations[piece]
      if (!holders || this.have[piece] || !wire.bits[piece]) continue
      const slow = holders.every((id) => {
        const other = this.wires.get(id)
        const otherSpeed = other ? this.speed(other) : 0
        return otherSpeed < SPEED_THRESHOLD && 2 * otherSpeed <= speed
      })
      if (slow) return piece
    }
    return null
  }

  private pickPiece(bits: Uint8Array): number | null {
    const count = bits.length
    if (this.viewer.world.params.strategy === 'sequential') {
      for (let piece = 0; piece < count; piece++) if (bits[piece] && !this.have[piece] && !this.reservations[piece]) return piece
      return null
    }
    let best: number | null = null
    let bestRarity = Infinity
    let ties = 0
    for (let piece = 0; piece < count; piece++) {
      if (!bits[piece] || this.have[piece] || this.reservations[piece]) continue
      const rarity = this.availability[piece]!
      if (rarity < bestRarity) {
        bestRarity = rarity
        best = piece
        ties = 1
      } else if (rarity === bestRarity && this.viewer.world.random() * ++ties < 1) {
        best = piece
      }
    }
    return best
  }
}
