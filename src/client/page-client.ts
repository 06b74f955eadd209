import { fallbackShard, pickShard, type MeshShard } from '../protocol/mesh-shards.js'
import type { AnnouncedSegment } from '../protocol/playlist-magnets.js'
import { browserClock, consoleLog, fetchHttp } from './adapters/browser-ports.js'
import type { ClientConfig } from './config.js'
import { DeliveryCore } from './core/delivery-core.js'
import { requestDeadline } from './core/deadline.js'
import { HttpEstimate, type HttpTiming } from './core/http-estimate.js'
import { Ladders } from './core/ladders.js'
import type { Clock, HttpPort, Log } from './core/ports.js'
import type { DeliveredSegment } from './core/segment-request.js'
import { StatsRecorder } from './core/stats.js'
import { BeforeP2P } from './before-p2p.js'
import { StartupHold } from './startup-hold.js'
import type { P2PStack, P2PStackLoader, StartP2PStack } from './stack-port.js'
import { readVariants } from './variants.js'

/**
 * The page's P2P side, one per page: the delivery core over its browser ports (WebTorrent swarms on the neighbour
 * mesh, fetch, the page's clock). The service worker bridge or the hls.js loader tells it which segments exist
 * (announce) and asks for them (deliver); it answers with verified bytes from peers, or with HTTP once the
 * deadline passes, and seeds them. P2P starts with `startP2P`, on the first playlist with magnets, in the mesh
 * shard it lists for this viewer (or, without mesh lines, on the WebSocket trackers the magnets name). Until then
 * every segment is plain HTTP: the playlists and segments seen meanwhile are kept and handed to the core. The
 * stack is loaded only for a stream with magnets, once `startP2P` was called. Until the first neighbour connects,
 * a request the buffer lets wait is held for it (startup-hold.ts).
 */
export class PageClient {
  readonly recorder: StatsRecorder
  private readonly peerId = randomPeerId()
  private stack: P2PStack | null = null
  private core: DeliveryCore | null = null
  private startStack: StartP2PStack | null = null
  private p2pWanted = false
  private stackRequested = false
  /** The stack did not load or start, the stream names no tracker, or the client was destroyed: no P2P. */
  private p2pOff = false
  private readonly ladders = new Ladders()
  private readonly beforeP2P = new BeforeP2P()
  private readonly startupHold: StartupHold
  /** The core's HTTP estimate, fed from the player's own fetches too (the first ones come before the core). */
  private readonly httpEstimate = new HttpEstimate()
  private lastSegmentBytes = 0
  private readonly clock: Clock
  private readonly http: HttpPort
  private readonly p2pListeners: Array<() => void> = []
  readonly log: Log
  /** The origin that serves the stream's .torrent files (its first magnets say), null before any. */
  originUrl: string | null = null

  /** `ports`: the page's clock and fetch unless given (the unit tests drive both). */
  constructor(
    readonly config: ClientConfig,
    private readonly loadStack: P2PStackLoader,
    ports: { clock?: Clock; http?: HttpPort } = {},
  ) {
    this.clock = ports.clock ?? browserClock
    this.http = ports.http ?? fetchHttp
    this.recorder = new StatsRecorder(config.p2p, this.clock)
    this.log = consoleLog(config.debug)
    this.startupHold = new StartupHold(this.clock, config.p2p ? config.startupHoldMs : 0)
  }

  /** Whether segments go through P2P now: P2P is on and its stack is running. */
  get p2p(): boolean {
    return this.config.p2p && this.core !== null
  }

  /** Calls `listener` once P2P has started (at once if it has). */
  onP2PStarted(listener: () => void): void {
    if (this.core) listener()
    else this.p2pListeners.push(listener)
  }

  /** Starts P2P: loads the stack (once the stream has listed a segment with a magnet) and starts the core on it. */
  startP2P(): void {
    if (!this.p2pWanted) this.startupHold.p2pStarting()
    this.p2pWanted = true
    if (this.beforeP2P.hasListings) this.requestStack()
  }

  /** A playlist lists these segments (and where viewers meet): join their swarms now, well before the player asks. */
  announce(playlistUrl: string, segments: AnnouncedSegment[], mesh: readonly MeshShard[] = []): void {
    if (segments.length > 0) this.originUrl ??= originOf(segments[0]!.magnet.torrentUrl)
    if (!this.config.p2p || this.p2pOff || segments.length === 0) return
    if (this.startStack) return void this.ensureStarted(this.startStack, segments, mesh)?.announce(playlistUrl, segments)
    this.beforeP2P.list(playlistUrl, { segments, mesh })
    if (this.p2pWanted) this.requestStack()
  }

  /**
   * The player asks for a segment. Resolves with its bytes (from peers, HTTP or both), or null when this client
   * does not know the segment or P2P is off: then the caller fetches it over plain HTTP itself. With
   * `callerFetches` (the service worker), it rejects with HttpHandedOver once peers had their time, and the
   * caller's HTTP bytes come back through `fetchedElsewhere`.
   */
  async deliver(key: string, bufferAheadMs: number | null, callerFetches = false): Promise<DeliveredSegment | null> {
    if (!this.config.p2p) return null
    const heldMs = this.holds(key, callerFetches) ? await this.startupHold.wait(this.holdLimitMs(bufferAheadMs)) : 0
    if (!this.core) return null
    const buffer = bufferAheadMs === null ? null : Math.max(0, bufferAheadMs - heldMs)
    return this.core.deliver(key, buffer, callerFetches)
  }

  /**
   * Whether `deliver` takes this segment (the hls.js loaders ask): P2P runs and knows it, or P2P is on its way
   * and a playlist listed it, so that a request made while the mesh forms can be held for it.
   */
  answers(key: string): boolean {
    if (!this.config.p2p || this.p2pOff) return false
    return this.core ? this.core.knows(key) : this.startupHold.open && this.beforeP2P.lists(key)
  }

  /**
   * Whether a request for `key` is held until the first neighbour (startup-hold.ts). Not the service worker's:
   * it was told how long to wait for the answer (answerWithinMs), and fetches itself after that.
   */
  private holds(key: string, callerFetches: boolean): boolean {
    return !callerFetches && this.startupHold.open && this.answers(key)
  }

  /** How long a held request may wait: its P2P deadline, with the reserve the timed HTTP fetches call for. */
  private holdLimitMs(bufferAheadMs: number | null): number {
    return requestDeadline(bufferAheadMs, this.config.deadline, this.httpEstimate, this.lastSegmentBytes).waitMs
  }

  /** How long the service worker waits for `deliver` of `key` with this buffer before it fetches the segment itself. */
  answerWithinMs(key: string, bufferAheadMs: number | null): number {
    return this.core?.answerWithinMs(key, bufferAheadMs) ?? requestDeadline(bufferAheadMs, this.config.deadline, null, 0).waitMs
  }

  /** The player loaded a master playlist: its rendition ladder, for the ABR guard of the worker path. */
  master(playlistUrl: string, text: string): void {
    this.ladders.add(readVariants(text, playlistUrl))
  }

  /**
   * A segment came over HTTP without the core (the worker's fetch, the loader's): counted, and checked and seeded.
   * Before P2P has started, a listed one is kept for the core to seed once it has. The loader's fetches come with
   * their `timing`, which the HTTP estimate learns from (the worker's `waitedMs` may include a wait for peers).
   */
  fetchedElsewhere(key: string, body: Uint8Array<ArrayBuffer>, waitedMs: number, timing?: HttpTiming): void {
    if (timing) this.httpEstimate.observe(timing.startedAt, timing.firstByteAt, timing.endedAt, body.length)
    this.lastSegmentBytes = body.length
    if (this.core) return this.core.fetchedElsewhere(key, body, waitedMs)
    const infoHash = this.config.p2p && !this.p2pOff ? this.beforeP2P.keep(key, body) : null
    if (infoHash === null) return this.recorder.httpSegment(body.length)
    this.recorder.httpBytes(infoHash, body.length)
    this.recorder.segment({ infoHash, source: 'http', bytes: body.length, waitedMs })
  }

  knows(key: string): boolean {
    return this.core?.knows(key) ?? false
  }

  destroy(): void {
    this.turnP2POff()
    this.core?.destroy()
    this.stack?.destroy()
  }

  private requestStack(): void {
    if (!this.config.p2p || this.p2pOff || this.stackRequested) return
    this.stackRequested = true
    this.loadStack().then(
      (start) => {
        if (this.p2pOff) return
        this.startStack = start
        for (const [playlistUrl, { segments, mesh }] of this.beforeP2P.takeListings()) this.announce(playlistUrl, segments, mesh)
      },
      (err: unknown) => {
        console.warn('live-torrent: the P2P script did not load; every segment comes over plain HTTP', err)
        this.turnP2POff()
      },
    )
  }

  /** Starts the stack and the core on the first segments, in this viewer's mesh shard. */
  private ensureStarted(startStack: StartP2PStack, segments: AnnouncedSegment[], shards: readonly MeshShard[]): DeliveryCore | null {
    if (this.core) return this.core
    const shard = pickShard(shards, this.peerId) ?? fallbackShard(segments.flatMap((segment) => segment.magnet.trackers))
    if (!shard) {
      console.warn('live-torrent: the playlist names no WebSocket tracker; P2P is off for this stream')
      this.turnP2POff()
      return null
    }
    this.recorder.meshShard(Math.max(0, shards.indexOf(shard)))
    const stack = this.openStack(startStack, shard)
    if (!stack) return null
    const ports = { clock: this.clock, random: Math.random, log: this.log, transport: stack.transport, http: this.http, mesh: stack.mesh }
    const core = new DeliveryCore(this.config, ports, this.recorder, this.ladders, this.httpEstimate)
    this.stack = stack
    this.core = core
    stack.start()
    // After the caller's announce: the core then knows the listing the early segments are in.
    queueMicrotask(() => {
      // The segments HTTP brought before P2P started (counted then): the core checks and seeds them.
      for (const { key, body } of this.beforeP2P.takeSegments()) core.seedCounted(key, body)
      for (const listener of this.p2pListeners.splice(0)) listener()
    })
    return core
  }

  private openStack(startStack: StartP2PStack, shard: MeshShard): P2PStack | null {
    try {
      return startStack({
        peerId: this.peerId,
        shard,
        config: this.config,
        events: {
          neighbours: (count) => {
            this.recorder.peers(count)
            if (count > 0) this.startupHold.close()
          },
          neighbour: (id) => this.core?.onNeighbour(id),
          neighbourGone: (id) => this.core?.onNeighbourGone(id),
          control: (from, message) => this.core?.onControl(from, message),
        },
      })
    } catch (err) {
      console.error('live-torrent: P2P could not start; every segment comes over plain HTTP', err)
      this.turnP2POff()
      return null
    }
  }

  private turnP2POff(): void {
    this.p2pOff = true
    this.startupHold.close()
    this.beforeP2P.clear()
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
