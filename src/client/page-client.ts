import { fallbackShard, pickShard, type MeshShard } from '../protocol/mesh-shards.js'
import type { AnnouncedSegment } from '../protocol/playlist-magnets.js'
import { browserClock, consoleLog, fetchHttp } from './adapters/browser-ports.js'
import type { ClientConfig } from './config.js'
import { DeliveryCore } from './core/delivery-core.js'
import { requestDeadline } from './core/deadline.js'
import { Ladders } from './core/ladders.js'
import type { Log } from './core/ports.js'
import type { DeliveredSegment } from './core/segment-request.js'
import { StatsRecorder } from './core/stats.js'
import type { P2PStack, P2PStackLoader, StartP2PStack } from './stack-port.js'
import { readVariants } from './variants.js'

/** Segments fetched over HTTP before P2P started, kept to seed once it has (a player's startup needs a few). */
const MAX_EARLY_SEGMENTS = 8

interface EarlySegment {
  key: string
  body: Uint8Array<ArrayBuffer>
  waitedMs: number
}

/**
 * The page's P2P side, one per page: the delivery core over its browser ports (WebTorrent swarms on the neighbour
 * mesh, fetch, the page's clock). The service worker bridge or the hls.js loader tells it which segments exist
 * (announce) and asks for them (deliver); it answers with verified bytes from peers, or with HTTP once the
 * deadline passes, and seeds them. P2P starts with `startP2P`, on the first playlist with magnets, in the mesh
 * shard it lists for this viewer (or, without mesh lines, on the WebSocket trackers the magnets name). Until then
 * every segment is plain HTTP: the playlists and segments seen meanwhile are kept and handed to the core.
 */
export class PageClient {
  readonly recorder: StatsRecorder
  private readonly peerId = randomPeerId()
  private stack: P2PStack | null = null
  private core: DeliveryCore | null = null
  private startStack: StartP2PStack | null = null
  private stackRequested = false
  /** The stack did not load, or the stream names no tracker: P2P will not start. */
  private p2pFailed = false
  private readonly ladders = new Ladders()
  /** Listings and HTTP segments that arrived before the P2P stack was there, for the core to start on. */
  private readonly earlyListings = new Map<string, { segments: AnnouncedSegment[]; mesh: readonly MeshShard[] }>()
  private earlySegments: EarlySegment[] = []
  private readonly p2pListeners: Array<() => void> = []
  readonly log: Log
  /** The origin that serves the stream's .torrent files (its first magnets say), null before any. */
  originUrl: string | null = null

  constructor(
    readonly config: ClientConfig,
    private readonly loadStack: P2PStackLoader,
  ) {
    this.recorder = new StatsRecorder(config.p2p, browserClock)
    this.log = consoleLog(config.debug)
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

  /** Loads the P2P stack (once) and starts P2P on the playlists seen so far, or on the next one. */
  startP2P(): void {
    if (!this.config.p2p || this.stackRequested) return
    this.stackRequested = true
    this.loadStack().then(
      (start) => {
        this.startStack = start
        for (const [playlistUrl, { segments, mesh }] of this.earlyListings) this.announce(playlistUrl, segments, mesh)
        this.earlyListings.clear()
      },
      (err: unknown) => {
        console.warn('live-torrent: the P2P script did not load; every segment comes over plain HTTP', err)
        this.giveUpP2P()
      },
    )
  }

  /** A playlist lists these segments (and where viewers meet): join their swarms now, well before the player asks. */
  announce(playlistUrl: string, segments: AnnouncedSegment[], mesh: readonly MeshShard[] = []): void {
    if (segments.length > 0) this.originUrl ??= originOf(segments[0]!.magnet.torrentUrl)
    if (!this.config.p2p || segments.length === 0) return
    if (!this.startStack) {
      if (!this.p2pFailed) this.earlyListings.set(playlistUrl, { segments, mesh })
    } else this.ensureStarted(segments, mesh)?.announce(playlistUrl, segments)
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

  /**
   * A segment came over HTTP without the core (the worker's fetch, the loader's): checked and seeded, and counted.
   * Before P2P has started it waits for the core (which counts it then), unless P2P will not start.
   */
  fetchedElsewhere(key: string, body: Uint8Array<ArrayBuffer>, waitedMs: number): void {
    if (this.core) return this.core.fetchedElsewhere(key, body, waitedMs)
    if (!this.config.p2p || this.p2pFailed) return this.recorder.httpSegment(body.length)
    this.earlySegments.push({ key, body, waitedMs })
    if (this.earlySegments.length > MAX_EARLY_SEGMENTS) this.recorder.httpSegment(this.earlySegments.shift()!.body.length)
  }

  knows(key: string): boolean {
    return this.core?.knows(key) ?? false
  }

  destroy(): void {
    this.core?.destroy()
    this.stack?.destroy()
  }

  /** Starts the stack and the core on the first segments, in this viewer's mesh shard. */
  private ensureStarted(segments: AnnouncedSegment[], shards: readonly MeshShard[]): DeliveryCore | null {
    if (this.core || !this.startStack) return this.core
    const shard = pickShard(shards, this.peerId) ?? fallbackShard(segments.flatMap((segment) => segment.magnet.trackers))
    if (!shard) {
      console.warn('live-torrent: the playlist names no WebSocket tracker; P2P is off for this stream')
      this.giveUpP2P()
      return null
    }
    this.recorder.meshShard(Math.max(0, shards.indexOf(shard)))
    const stack = this.openStack(this.startStack, shard)
    if (!stack) return null
    const ports = { clock: browserClock, random: Math.random, log: this.log, transport: stack.transport, http: fetchHttp, mesh: stack.mesh }
    const core = new DeliveryCore(this.config, ports, this.recorder, this.ladders)
    this.stack = stack
    this.core = core
    stack.start()
    // After the caller's announce: the core then knows the listing the early segments are in.
    queueMicrotask(() => {
      this.handOverEarlySegments(core)
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
          neighbours: (count) => this.recorder.peers(count),
          neighbour: (id) => this.core?.onNeighbour(id),
          neighbourGone: (id) => this.core?.onNeighbourGone(id),
          control: (from, message) => this.core?.onControl(from, message),
        },
      })
    } catch (err) {
      console.error('live-torrent: P2P could not start; every segment comes over plain HTTP', err)
      this.startStack = null
      this.giveUpP2P()
      return null
    }
  }

  /** The segments HTTP brought before P2P started: to the core (to check, seed and count), or just counted. */
  private handOverEarlySegments(core: DeliveryCore | null): void {
    for (const { key, body, waitedMs } of this.earlySegments.splice(0)) {
      if (core) core.fetchedElsewhere(key, body, waitedMs)
      else this.recorder.httpSegment(body.length)
    }
  }

  private giveUpP2P(): void {
    this.p2pFailed = true
    this.handOverEarlySegments(null)
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
