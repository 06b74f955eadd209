// Hand-driven ports for the delivery core's unit tests: a test decides when a torrent is ready, when a peer's
// piece arrives, and when an HTTP response streams in, all on the Scheduler's fake time.
import { Scheduler } from '../../bench/sim/scheduler.js'
import type { DeliveryConfig } from '../../src/client/core/config.js'
import { DEFAULT_DELIVERY_CONFIG } from '../../src/client/core/config.js'
import { DeliveryCore } from '../../src/client/core/delivery-core.js'
import type { HttpPort, HttpSink, MeshPort, PieceTransport, SwarmHandle, SwarmListener, SwarmShape } from '../../src/client/core/ports.js'
import type { ControlMessage } from '../../src/protocol/mesh-control.js'
import type { AnnouncedSegment } from '../../src/protocol/playlist-magnets.js'

export const PIECE = 1000
export const PIECES = 4
export const SHAPE: SwarmShape = { pieceCount: PIECES, pieceLength: PIECE, length: PIECE * PIECES }
export const PLAYLIST = 'https://origin.test/v0/index.m3u8'

export function segment(sequence: number, infoHash = sequence.toString(16).padStart(40, '0')): AnnouncedSegment {
  const url = `https://origin.test/v0/seg${sequence}.ts`
  return {
    url,
    magnet: { infoHash, name: `seg${sequence}.ts`, trackers: ['ws://origin.test/announce'], webSeed: url, torrentUrl: `${url}.torrent` },
  }
}

export class FakeSwarm implements SwarmHandle {
  readonly pieces = new Set<number>()
  canHelp = false
  left = false
  shape: SwarmShape | null = null

  constructor(
    readonly segment: AnnouncedSegment,
    private readonly listener: SwarmListener,
  ) {}

  get done(): boolean {
    return this.shape !== null && this.pieces.size === this.shape.pieceCount
  }

  ready(shape: SwarmShape = SHAPE): void {
    this.shape = shape
    this.listener.ready(shape, new Uint8Array(64))
  }

  fail(message: string): void {
    this.listener.failed(new Error(message))
  }

  /** A neighbour sent a piece (which verified). */
  peerPiece(piece: number): void {
    this.store(piece, 'peers')
  }

  has(piece: number): boolean {
    return this.pieces.has(piece)
  }

  peersCanHelp(): boolean {
    return this.canHelp
  }

  putHttpPiece(piece: number, bytes: Uint8Array): void {
    if (bytes.length !== this.pieceSize(piece)) throw new Error(`piece ${piece} of ${bytes.length} bytes`)
    this.store(piece, 'http')
  }

  read(done: (bytes: Uint8Array<ArrayBuffer> | null) => void): void {
    done(new Uint8Array(this.shape!.length))
  }

  leave(): void {
    this.left = true
  }

  private store(piece: number, from: 'peers' | 'http'): void {
    if (this.pieces.has(piece)) return
    this.pieces.add(piece)
    this.listener.verified(piece, from, this.pieceSize(piece))
    if (this.done) this.listener.completed()
  }

  private pieceSize(piece: number): number {
    const shape = this.shape!
    return Math.min(shape.pieceLength, shape.length - piece * shape.pieceLength)
  }
}

export class FakeTransport implements PieceTransport {
  readonly swarms: FakeSwarm[] = []
  /** Torrents become ready at once unless a test wants to drive it. */
  autoReady = true
  uploading = true

  setUploading(allowed: boolean): void {
    this.uploading = allowed
  }

  join(segment: AnnouncedSegment, listener: SwarmListener): SwarmHandle {
    const swarm = new FakeSwarm(segment, listener)
    this.swarms.push(swarm)
    if (this.autoReady) swarm.ready()
    return swarm
  }

  swarm(sequence: number): FakeSwarm {
    const found = this.swarms.filter((swarm) => swarm.segment.url.endsWith(`/seg${sequence}.ts`)).at(-1)
    if (!found) throw new Error(`no swarm for seg${sequence}`)
    return found
  }
}

export interface FakeFetch {
  url: string
  range: { start: number; end: number } | null
  sink: HttpSink
  aborted: boolean
  /** Streams the whole body in one chunk and ends it. */
  respond(): void
}

export class FakeHttp implements HttpPort {
  readonly fetches: FakeFetch[] = []
  /** Playlist loads: the URL, and the callback a test answers. */
  readonly textFetches: { url: string; done: (text: string | null) => void }[] = []

  fetchText(url: string, done: (text: string | null) => void): void {
    this.textFetches.push({ url, done })
  }
  /** Size of the resources, for responses to whole-resource fetches. */
  length = SHAPE.length

  fetch(url: string, range: { start: number; end: number } | null, sink: HttpSink): () => void {
    const entry: FakeFetch = {
      url,
      range,
      sink,
      aborted: false,
      respond: () => {
        const size = range ? range.end - range.start : this.length
        sink.data(new Uint8Array(size))
        sink.done()
      },
    }
    this.fetches.push(entry)
    return () => (entry.aborted = true)
  }
}

export class FakeMesh implements MeshPort {
  readonly sent: { to: string; message: ControlMessage }[] = []
  readonly banned = new Set<string>()
  neighbours: string[] = []
  audienceSize: number | null = null

  constructor(readonly selfId: string) {}

  neighbourIds(): readonly string[] {
    return this.neighbours
  }

  audience(): number | null {
    return this.audienceSize
  }

  send(to: string, message: ControlMessage): void {
    this.sent.push({ to, message })
  }

  ban(id: string): boolean {
    if (this.banned.has(id)) return false
    this.banned.add(id)
    return true
  }
}

export interface Rig {
  clock: Scheduler
  transport: FakeTransport
  http: FakeHttp
  mesh: FakeMesh
  core: DeliveryCore
  warnings: string[]
}

type Overrides = Partial<Omit<DeliveryConfig, 'deadline' | 'firstFetch'>> & {
  deadline?: Partial<DeliveryConfig['deadline']>
  firstFetch?: Partial<DeliveryConfig['firstFetch']>
}

/** A core with fake ports; `random` is fixed so lottery times are known. */
export function rig(selfId = 'self', overrides: Overrides = {}, random = () => 0.5): Rig {
  const clock = new Scheduler()
  const transport = new FakeTransport()
  const http = new FakeHttp()
  const mesh = new FakeMesh(selfId)
  const warnings: string[] = []
  const config: DeliveryConfig = {
    ...DEFAULT_DELIVERY_CONFIG,
    ...overrides,
    deadline: { ...DEFAULT_DELIVERY_CONFIG.deadline, ...overrides.deadline },
    firstFetch: { ...DEFAULT_DELIVERY_CONFIG.firstFetch, ...overrides.firstFetch },
  }
  const log = { debug: () => {}, warn: (message: string) => warnings.push(message) }
  const core = new DeliveryCore(config, { clock, random, log, transport, http, mesh })
  return { clock, transport, http, mesh, core, warnings }
}

/** Requests a segment and keeps what the core calls back with. */
export function request(core: DeliveryCore, sequence: number, bufferAheadMs: number | null, callerFetches = false) {
  const outcome: { result?: Awaited<ReturnType<DeliveryCore['deliver']>>; error?: Error; called: number } = { called: 0 }
  core.request(
    segment(sequence).url,
    bufferAheadMs,
    (result, error) => {
      outcome.called++
      outcome.result = result
      outcome.error = error
    },
    callerFetches,
  )
  return outcome
}

/**
 * Lists `segments` in PLAYLIST and has the player start at the first of them, as at startup through the service
 * worker (which fetches that one itself): the core joins the swarms of a playlist only from the player's start on.
 */
export function listAndStart(core: DeliveryCore, segments: AnnouncedSegment[]): void {
  core.announce(PLAYLIST, segments)
  if (segments[0]) core.request(segments[0].url, 0, () => {}, true)
}
