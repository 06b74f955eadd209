import type { AnnouncedSegment } from '../../protocol/playlist-magnets.js'
import type { HttpEstimate } from './http-estimate.js'
import type { Clock, HttpPort, PieceTransport, SwarmHandle, SwarmShape } from './ports.js'

/** Requests at most for the missing pieces of one segment: runs of missing pieces are merged down to this many. */
const MAX_RANGES = 4

/** Why HTTP was started for a segment. */
export type HttpReason = 'first' | 'escalation' | 'immediate' | 'lottery' | 'deadline'

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
 * One segment: its swarm in the transport and, when the core says so, HTTP for the pieces still missing: one
 * request per run of missing pieces (runs a piece or two apart merged, at most MAX_RANGES requests), a whole
 * segment as one plain request. Pieces are cut from each response as it streams in and handed to the transport,
 * which checks them against the torrent's hashes like pieces from peers and announces them to the neighbours.
 */
export class SegmentFetch {
  readonly swarm: SwarmHandle
  shape: SwarmShape | null = null
  /** The .torrent the swarm was added from, once ready: neighbours get it with the segment's notice. */
  torrentFile: Uint8Array | null = null
  failure: Error | null = null
  httpReason: HttpReason | null = null
  httpStartedAt: number | null = null
  peerBytes = 0
  httpBytes = 0
  /** When the last piece verified (clock ms), null until done. */
  doneAt: number | null = null
  /**
   * The body of a whole-segment HTTP response, once complete and until the segment is done: the origin's bytes,
   * which a request may hand to the player at once instead of waiting for the .torrent and the hash checks.
   */
  private httpBody: Uint8Array<ArrayBuffer> | null = null
  /** Aborts of the HTTP requests running now; null when none runs. */
  private abortHttp: (() => void)[] | null = null
  private readonly waiters: Waiter[] = []
  private readonly readyWaiters: Waiter[] = []
  private readonly httpFailureListeners = new Set<(error: Error) => void>()
  private readonly httpBodyListeners = new Set<(body: Uint8Array<ArrayBuffer>) => void>()

  constructor(
    readonly segment: AnnouncedSegment,
    transport: PieceTransport,
    private readonly http: HttpPort,
    private readonly clock: Clock,
    private readonly events: SegmentEvents,
    private readonly estimate: HttpEstimate,
    torrentFile?: Uint8Array,
  ) {
    this.swarm = transport.join(
      segment,
      {
        ready: (shape, file) => this.onReady(shape, file),
        failed: (error) => this.onFailed(error),
        verified: (_piece, from, bytes) => this.onVerified(from, bytes),
        completed: () => this.onCompleted(),
        rejected: (piece, neighbours) => events.rejected(piece, neighbours),
        uploaded: (bytes) => events.uploaded(bytes),
      },
      torrentFile,
    )
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

  /** Calls back with `httpBody` once there is one (at once if there is); returns the unsubscribe function. */
  onHttpBody(listener: (body: Uint8Array<ArrayBuffer>) => void): () => void {
    if (this.httpBody) {
      listener(this.httpBody)
      return () => {}
    }
    this.httpBodyListeners.add(listener)
    return () => this.httpBodyListeners.delete(listener)
  }

  /**
   * Fetches the missing pieces over HTTP, unless a fetch runs already or nothing is missing. Before the torrent is
   * known, the whole segment: its bytes are held until the piece length is known (a segment fetched for the
   * neighbourhood need not wait for its .torrent).
   */
  startHttp(reason: HttpReason): void {
    if (this.done || this.abortHttp || this.failure) return
    const runs = this.shape ? missingRuns(this.shape, (piece) => this.swarm.has(piece)) : [null]
    if (runs.length === 0) return
    this.httpReason = reason
    this.httpStartedAt = this.clock.now()
    this.events.httpStarted(reason)
    const aborts: (() => void)[] = []
    this.abortHttp = aborts
    let running = runs.length
    let failure: Error | null = null
    for (const run of runs) {
      aborts.push(
        this.fetchRun(run, (error) => {
          failure ??= error
          if (--running > 0 || this.abortHttp !== aborts) return
          this.abortHttp = null
          if (!failure || this.done) return
          this.events.httpFailed(failure)
          for (const listener of [...this.httpFailureListeners]) listener(failure)
        }),
      )
    }
  }

  /** One request: a run of pieces, or (null) the whole segment. */
  private fetchRun(run: PieceRun | null, done: (error: Error | null) => void): () => void {
    const shape = this.shape
    const whole = !run || !shape || (run.first === 0 && run.last === shape.pieceCount - 1)
    const range =
      whole || !shape ? null : { start: run.first * shape.pieceLength, end: Math.min(shape.length, (run.last + 1) * shape.pieceLength) }
    const startedAt = this.clock.now()
    let firstByteAt: number | null = null
    let received = 0
    const wholeBody: Uint8Array[] | null = whole ? [] : null
    const cutter = this.cutterFrom(run?.first ?? 0)
    return this.http.fetch(this.segment.magnet.webSeed, range, {
      data: (chunk) => {
        firstByteAt ??= this.clock.now()
        received += chunk.length
        this.httpBytes += chunk.length
        this.events.httpBytes(chunk.length)
        wholeBody?.push(chunk)
        cutter.push(chunk)
      },
      done: (error) => {
        if (!error && firstByteAt !== null) this.estimate.observe(startedAt, firstByteAt, this.clock.now(), received)
        if (!error && wholeBody) this.keepHttpBody(concat(wholeBody, received))
        done(error ?? null)
      },
    })
  }

  /**
   * A whole-segment body fetched elsewhere (the service worker's own HTTP request): counted, cut into pieces,
   * checked and seeded as if this fetch had made it. False if the segment is done or failed already. `counted`:
   * the stats have these bytes already (they came before the core existed), so no httpBytes event.
   */
  takeHttpBody(body: Uint8Array<ArrayBuffer>, counted = false): boolean {
    if (this.done || this.failure) return false
    this.stopHttp()
    this.httpBytes += body.length
    if (!counted) this.events.httpBytes(body.length)
    this.cutterFrom(0).push(body)
    this.keepHttpBody(body)
    return true
  }

  /** Cuts an HTTP body starting at piece `first` into the swarm's pieces, once the torrent's shape is known. */
  private cutterFrom(first: number): PieceCutter {
    const cutter = new PieceCutter(
      () => this.shape,
      first,
      (piece, bytes) => this.swarm.has(piece) || this.swarm.putHttpPiece(piece, bytes),
    )
    this.whenReady((error) => error || cutter.push(new Uint8Array(0)))
    return cutter
  }

  leave(): void {
    this.stopHttp()
    this.swarm.leave()
    this.settle(this.waiters, this.failure ?? new Error('segment left'))
  }

  private stopHttp(): void {
    const aborts = this.abortHttp
    this.abortHttp = null
    for (const abort of aborts ?? []) abort()
  }

  private keepHttpBody(body: Uint8Array<ArrayBuffer>): void {
    if (this.done || this.failure) return
    this.httpBody = body
    for (const listener of [...this.httpBodyListeners]) listener(body)
    this.httpBodyListeners.clear()
  }

  private onReady(shape: SwarmShape, torrentFile: Uint8Array): void {
    this.shape = shape
    this.torrentFile = torrentFile
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
    this.httpBody = null
    this.stopHttp()
    this.settle(this.waiters, null)
  }

  private settle(waiters: Waiter[], error: Error | null): void {
    for (const waiter of waiters.splice(0)) waiter(error)
  }
}

function concat(chunks: Uint8Array[], length: number): Uint8Array<ArrayBuffer> {
  const joined = new Uint8Array(length)
  let offset = 0
  for (const chunk of chunks) {
    joined.set(chunk, offset)
    offset += chunk.length
  }
  return joined
}

interface PieceRun {
  first: number
  last: number
}

/** The runs of missing pieces, merged across the smallest gaps until at most MAX_RANGES remain. */
export function missingRuns(shape: SwarmShape, has: (piece: number) => boolean): PieceRun[] {
  const runs: PieceRun[] = []
  for (let piece = 0; piece < shape.pieceCount; piece++) {
    if (has(piece)) continue
    const last = runs.at(-1)
    if (last && last.last === piece - 1) last.last = piece
    else runs.push({ first: piece, last: piece })
  }
  while (runs.length > MAX_RANGES) {
    let smallest = 0
    for (let index = 1; index < runs.length - 1; index++) {
      if (runs[index + 1]!.first - runs[index]!.last < runs[smallest + 1]!.first - runs[smallest]!.last) smallest = index
    }
    runs[smallest]!.last = runs[smallest + 1]!.last
    runs.splice(smallest + 1, 1)
  }
  return runs
}

/**
 * Cuts an HTTP body that starts at piece `first` into whole pieces (the last piece of a segment may be short).
 * Until the torrent's shape is known, what arrives is only kept; push an empty chunk to cut it once it is.
 */
class PieceCutter {
  private buffer = new Uint8Array(0)
  private piece: number

  constructor(
    private readonly shapeNow: () => SwarmShape | null,
    first: number,
    private readonly onPiece: (piece: number, bytes: Uint8Array) => void,
  ) {
    this.piece = first
  }

  push(chunk: Uint8Array): void {
    if (chunk.length) {
      const joined = new Uint8Array(this.buffer.length + chunk.length)
      joined.set(this.buffer)
      joined.set(chunk, this.buffer.length)
      this.buffer = joined
    }
    const shape = this.shapeNow()
    if (!shape) return
    for (;;) {
      const size = pieceSize(shape, this.piece)
      if (size <= 0 || this.buffer.length < size) return
      this.onPiece(this.piece, this.buffer.subarray(0, size))
      this.buffer = this.buffer.subarray(size)
      this.piece++
    }
  }
}

function pieceSize(shape: SwarmShape, piece: number): number {
  if (piece >= shape.pieceCount) return 0
  return Math.min(shape.pieceLength, shape.length - piece * shape.pieceLength)
}
