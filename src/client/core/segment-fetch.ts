import type { AnnouncedSegment } from '../../protocol/playlist-magnets.js'
import type { Clock, HttpPort, PieceTransport, SwarmHandle, SwarmShape } from './ports.js'

/** Why HTTP was started for a segment. */
export type HttpReason = 'first' | 'escalation' | 'lottery' | 'deadline'

/** What one segment's fetch reports to the core. */
export interface SegmentEvents {
  peerBytes(bytes: number): void
  httpBytes(bytes: number): void
  uploaded(bytes: number): void
  rejected(piece: number, neighbours: string[]): void
  httpStarted(reason: HttpReason): void
  /** The HTTP fetch failed; the segment stays incomplete unless peers complete it. */
  httpFailed(error: Error): void
}

type Waiter = (error: Error | null) => void

/**
 * One segment: its swarm in the transport and, when the core says so, an HTTP fetch of the pieces still missing
 * (one request for the span from the first to the last missing piece; a whole segment is a plain GET). Pieces are
 * cut from the response as it streams in and handed to the transport, which checks them against the torrent's
 * hashes like pieces from peers and announces them to the neighbours at once.
 */
export class SegmentFetch {
  readonly swarm: SwarmHandle
  shape: SwarmShape | null = null
  failure: Error | null = null
  httpReason: HttpReason | null = null
  httpStartedAt: number | null = null
  peerBytes = 0
  httpBytes = 0
  /** When the last piece verified (clock ms), null until done. */
  doneAt: number | null = null
  private abortHttp: (() => void) | null = null
  private readonly waiters: Waiter[] = []
  private readonly readyWaiters: Waiter[] = []
  private readonly httpFailureListeners = new Set<(error: Error) => void>()

  constructor(
    readonly segment: AnnouncedSegment,
    transport: PieceTransport,
    private readonly http: HttpPort,
    private readonly clock: Clock,
    private readonly events: SegmentEvents,
  ) {
    this.swarm = transport.join(segment, {
      ready: (shape) => this.onReady(shape),
      failed: (error) => this.onFailed(error),
      verified: (_piece, from, bytes) => this.onVerified(from, bytes),
      completed: () => this.onCompleted(),
      rejected: (piece, neighbours) => events.rejected(piece, neighbours),
      uploaded: (bytes) => events.uploaded(bytes),
    })
    // A transport may report ready (even complete) within join(), before this.swarm was set.
    if (this.shape && this.swarm.done && this.doneAt === null) this.onDone()
  }

  get infoHash(): string {
    return this.segment.magnet.infoHash
  }

  get ready(): boolean {
    return this.shape !== null
  }

  get done(): boolean {
    return this.shape !== null && this.swarm.done
  }

  get httpRunning(): boolean {
    return this.abortHttp !== null
  }

  /** Calls back once the torrent is known (or could not be). */
  whenReady(callback: Waiter): void {
    if (this.shape || this.failure) callback(this.failure)
    else this.readyWaiters.push(callback)
  }

  /** Calls back once every piece is verified, or with the error that ended the segment's swarm. */
  whenDone(callback: Waiter): void {
    if (this.done || this.failure) callback(this.failure)
    else this.waiters.push(callback)
  }

  /** Calls back whenever an HTTP fetch of this segment fails; returns the unsubscribe function. */
  onHttpFailure(listener: (error: Error) => void): () => void {
    this.httpFailureListeners.add(listener)
    return () => this.httpFailureListeners.delete(listener)
  }

  /** Fetches the missing pieces over HTTP, unless a fetch runs already or nothing is missing. */
  startHttp(reason: HttpReason): void {
    const shape = this.shape
    if (!shape || this.done || this.abortHttp || this.failure) return
    const missing = this.missingSpan(shape)
    if (!missing) return
    this.httpReason = reason
    this.httpStartedAt = this.clock.now()
    this.events.httpStarted(reason)
    const whole = missing.first === 0 && missing.last === shape.pieceCount - 1
    const start = missing.first * shape.pieceLength
    const end = Math.min(shape.length, (missing.last + 1) * shape.pieceLength)
    const cutter = new PieceCutter(shape, missing.first, (piece, bytes) => {
      if (!this.swarm.has(piece)) this.swarm.putHttpPiece(piece, bytes)
    })
    this.abortHttp = this.http.fetch(this.segment.magnet.webSeed, whole ? null : { start, end }, {
      data: (chunk) => {
        this.httpBytes += chunk.length
        this.events.httpBytes(chunk.length)
        cutter.push(chunk)
      },
      done: (error) => {
        this.abortHttp = null
        cutter.flush()
        if (!error || this.done) return
        this.events.httpFailed(error)
        for (const listener of [...this.httpFailureListeners]) listener(error)
      },
    })
  }

  leave(): void {
    this.abortHttp?.()
    this.abortHttp = null
    this.swarm.leave()
    this.settle(this.waiters, this.failure ?? new Error('segment left'))
  }

  private missingSpan(shape: SwarmShape): { first: number; last: number } | null {
    let first = -1
    let last = -1
    for (let piece = 0; piece < shape.pieceCount; piece++) {
      if (this.swarm.has(piece)) continue
      if (first < 0) first = piece
      last = piece
    }
    return first < 0 ? null : { first, last }
  }

  private onReady(shape: SwarmShape): void {
    this.shape = shape
    this.settle(this.readyWaiters, null)
    if ((this.swarm as SwarmHandle | undefined)?.done) this.onDone()
  }

  private onFailed(error: Error): void {
    this.failure = error
    this.settle(this.readyWaiters, error)
    this.settle(this.waiters, error)
  }

  private onVerified(from: 'peers' | 'http', bytes: number): void {
    if (from !== 'peers') return
    this.peerBytes += bytes
    this.events.peerBytes(bytes)
  }

  private onCompleted(): void {
    if (this.shape && this.doneAt === null && this.swarm) this.onDone()
  }

  private onDone(): void {
    this.doneAt = this.clock.now()
    this.abortHttp?.()
    this.abortHttp = null
    this.settle(this.waiters, null)
  }

  private settle(waiters: Waiter[], error: Error | null): void {
    for (const waiter of waiters.splice(0)) waiter(error)
  }
}

/** Cuts an HTTP body that starts at piece `first` into whole pieces (the last piece of a segment may be short). */
class PieceCutter {
  private buffer = new Uint8Array(0)
  private piece: number

  constructor(
    private readonly shape: SwarmShape,
    first: number,
    private readonly onPiece: (piece: number, bytes: Uint8Array) => void,
  ) {
    this.piece = first
  }

  push(chunk: Uint8Array): void {
    const joined = new Uint8Array(this.buffer.length + chunk.length)
    joined.set(this.buffer)
    joined.set(chunk, this.buffer.length)
    this.buffer = joined
    for (;;) {
      const size = this.pieceSize(this.piece)
      if (size <= 0 || this.buffer.length < size) return
      this.onPiece(this.piece, this.buffer.subarray(0, size))
      this.buffer = this.buffer.subarray(size)
      this.piece++
    }
  }

  /** What is left at the end of the body: a piece cut short by a failed fetch is dropped. */
  flush(): void {
    this.buffer = new Uint8Array(0)
  }

  private pieceSize(piece: number): number {
    if (piece >= this.shape.pieceCount) return 0
    return Math.min(this.shape.pieceLength, this.shape.length - piece * this.shape.pieceLength)
  }
}
