import type { ControlMessage } from '../../protocol/mesh-control.js'
import { readPlaylistMagnets, type AnnouncedSegment } from '../../protocol/playlist-magnets.js'
import type { DeliveryConfig } from './config.js'
import { requestDeadline } from './deadline.js'
import { EdgeWatch } from './edge-watch.js'
import { planFirstFetch } from './fetch-order.js'
import { HttpEstimate } from './http-estimate.js'
import { Ladders } from './ladders.js'
import type { Clock, HttpPort, Log, MeshPort, NeighbourInfo, PieceTransport, Random, Timer } from './ports.js'
import { SegmentBook, type BookEntry } from './segment-book.js'
import { StartPoints } from './start-points.js'
import { SegmentFetch, type HttpReason, type SegmentEvents } from './segment-fetch.js'
import { HttpHandedOver, serveRequest, type DeliveredSegment, type RequestCallback } from './segment-request.js'
import { StatsRecorder } from './stats.js'
import { UploadMeter } from './upload-meter.js'

export interface CorePorts {
  clock: Clock
  random: Random
  log: Log
  transport: PieceTransport
  http: HttpPort
  mesh: MeshPort
}

/** A neighbour's notice that it fetches a segment holds off the others' escalation this long (ms). */
const FETCH_NOTICE_FRESH_MS = 4000
/** Rate notices go out at most this often (ms). */
const RATE_NOTICE_MS = 5000

interface Held {
  fetch: SegmentFetch
  escalation: Timer | null
}

/**
 * The delivery core of one viewer: which segments it knows (from its playlists and its neighbours' notices), who
 * fetches a new one over HTTP for the neighbourhood (DeliveryConfig.firstFetch), how long a request of the player
 * waits for peers (the deadline), and what is dropped when. It holds no WebTorrent, WebRTC or DOM code: all of
 * that is behind the ports, so that the browser, the unit tests and the swarm simulator run these same decisions.
 */
export class DeliveryCore {
  private readonly book: SegmentBook<Held>
  private readonly startPoints: StartPoints
  /** What each neighbour's hello (and rate notices) said. A neighbour not heard from yet counts as uploading. */
  private readonly heard = new Map<string, { uploads: boolean; rate: number | null }>()
  private readonly meter: UploadMeter
  private readonly edgeWatch: EdgeWatch
  private uploading = true
  private announcedRate: { rate: number; at: number } | null = null
  private readonly fetchNotices = new Map<string, number>()
  /** Size of the last segment delivered, for the reserve in answerWithinMs. */
  private lastSegmentBytes = 0
  private rejectedSegments = new Set<string>()

  constructor(
    readonly config: DeliveryConfig,
    private readonly ports: CorePorts,
    readonly recorder: StatsRecorder = new StatsRecorder(true, ports.clock),
    /** The rendition ladders of the player's master playlists (filled by the page client). */
    readonly ladders: Ladders = new Ladders(),
    /** How long HTTP takes here: the core's own fetches, and the player's that the page client timed. */
    private readonly httpEstimate: HttpEstimate = new HttpEstimate(),
  ) {
    this.book = new SegmentBook(config)
    this.startPoints = new StartPoints(config.unlistedGraceMs)
    this.meter = new UploadMeter(ports.clock)
    this.edgeWatch = new EdgeWatch({
      clock: ports.clock,
      pollers: config.edgePollers,
      selfId: ports.mesh.selfId,
      neighbourIds: () => ports.mesh.neighbourIds(),
      poll: (url) => ports.http.fetchText(url, (text) => text && this.announce(url, readPlaylistMagnets(text, url))),
    })
  }

  get uploadsEnabled(): boolean {
    return this.config.uploadLimit !== 0
  }

  /**
   * A playlist of this viewer lists these segments: join their swarms now, well before the player asks. Until the
   * player asks for a segment of the playlist, its listing waits (see StartPoints).
   */
  announce(playlistUrl: string, segments: readonly AnnouncedSegment[]): void {
    if (!this.startPoints.started(playlistUrl)) return this.startPoints.wait(playlistUrl, segments, this.ports.clock.now())
    this.list(playlistUrl, this.startPoints.ahead(playlistUrl, segments))
  }

  /** The player asked for `key`: if it is the first segment it asks of its playlist, it starts there. */
  private startAt(key: string): void {
    const start = this.startPoints.start(key)
    if (start) this.list(start.playlistUrl, start.segments)
  }

  private list(playlistUrl: string, segments: readonly AnnouncedSegment[]): void {
    const now = this.ports.clock.now()
    // The segments of a playlist's first listing are behind the live edge: the player asks for the first of them
    // at once (and gets it over HTTP at startup), and neighbours have the rest. Only later ones are new to everyone.
    const firstListing = !this.book.lists(playlistUrl)
    const added = this.book.list(playlistUrl, segments, now, (segment) => this.hold(segment))
    for (const entry of added) this.learned(entry, null, !firstListing)
    if (added.length && !firstListing) this.edgeWatch.arrived(playlistUrl)
    this.evict(playlistUrl)
  }

  /**
   * The player asks for a segment: calls back with its bytes, or null when this viewer does not know it. With
   * `callerFetches`, the caller (the service worker) fetches over HTTP itself once peers had their time: the
   * request then ends with HttpHandedOver, and the caller's bytes come back through `fetchedElsewhere`.
   */
  request(key: string, bufferAheadMs: number | null, callback: RequestCallback, callerFetches = false): void {
    this.startAt(key)
    const entry = this.book.get(key)
    if (!entry) return callback(null)
    entry.busy++
    const { clock, random, log } = this.ports
    const buffer = this.bufferForPeers(bufferAheadMs)
    log.debug(`request ${key} with ${bufferAheadMs} ms buffered`)
    const context = {
      config: this.config,
      clock,
      random,
      httpEstimate: this.httpEstimate,
      segmentBytesHint: this.lastSegmentBytes,
      callerFetches,
      abrTopBandwidth: this.abrTopBandwidth(entry.playlistUrl, callerFetches),
    }
    serveRequest(entry.value.fetch, buffer, context, (result, error) => {
      entry.busy--
      log.debug(`answered ${key}: ${result ? `${result.source} after ${Math.round(result.waitedMs)} ms` : error?.message}`)
      if (result) {
        this.lastSegmentBytes = result.bytes.length
        this.recordDelivery(entry.infoHash, result)
      } else if (error instanceof HttpHandedOver && error.reason === 'deadline') this.recorder.fallback(entry.infoHash, error.afterMs)
      callback(result, error)
    })
  }

  deliver(key: string, bufferAheadMs: number | null, callerFetches = false): Promise<DeliveredSegment | null> {
    return new Promise((resolve, reject) =>
      this.request(key, bufferAheadMs, (result, error) => (error ? reject(error) : resolve(result)), callerFetches),
    )
  }

  /**
   * How long the service worker waits for the answer to a request with this buffer before it fetches the
   * segment itself: the wait for peers (the reserve after it is the worker's own HTTP).
   */
  answerWithinMs(key: string, bufferAheadMs: number | null): number {
    const entry = this.book.get(key)
    const playlistUrl = entry?.playlistUrl ?? this.startPoints.playlistOf(key)
    const bytes = entry?.value.fetch.shape?.length ?? this.lastSegmentBytes
    const abrTopBandwidth = playlistUrl === null ? null : this.abrTopBandwidth(playlistUrl, true)
    return requestDeadline(this.bufferForPeers(bufferAheadMs), this.config.deadline, this.httpEstimate, bytes, abrTopBandwidth).waitMs
  }

  /**
   * The top BANDWIDTH of the ladder the player chooses this playlist from, when the player times the wait as
   * network time (`callerFetches`: the service worker's response); null when the wait cannot lower its choice. The
   * hls.js loader path reports plain-HTTP timing to hls.js instead (DeliveredSegment.httpEquivalent).
   */
  private abrTopBandwidth(playlistUrl: string, callerFetches: boolean): number | null {
    return callerFetches ? this.ladders.topBandwidth(playlistUrl) : null
  }

  /**
   * The player got this segment over HTTP without the core (the service worker's own fetch, `waitedMs` after its
   * request): a segment the core holds takes the bytes, to check and seed them; either way they are counted.
   */
  fetchedElsewhere(key: string, body: Uint8Array<ArrayBuffer>, waitedMs: number): void {
    const infoHash = this.takeHttpBody(key, body)
    if (infoHash === null) this.recorder.httpSegment(body.length)
    else this.recorder.segment({ infoHash, source: 'http', bytes: body.length, waitedMs })
  }

  /** HTTP bytes of `key` the caller counted already (they came before the core existed): to check and seed. */
  seedCounted(key: string, body: Uint8Array<ArrayBuffer>): void {
    this.takeHttpBody(key, body, true)
  }

  /** The segment's infohash if the core holds it and took the bytes, else null. */
  private takeHttpBody(key: string, body: Uint8Array<ArrayBuffer>, counted = false): string | null {
    this.startAt(key)
    const entry = this.book.get(key)
    if (!entry?.value.fetch.takeHttpBody(body, counted)) return null
    this.lastSegmentBytes = body.length
    return entry.infoHash
  }

  /** With no neighbour at all, nobody can help: waiting for peers would only eat into the player's buffer. */
  private bufferForPeers(bufferAheadMs: number | null): number | null {
    return this.ports.mesh.neighbourIds().length === 0 ? 0 : bufferAheadMs
  }

  knows(key: string): boolean {
    return this.book.has(key) || this.startPoints.knows(key)
  }

  onNeighbour(id: string): void {
    this.ports.mesh.send(id, { t: 'hello', v: 1, uploads: this.uploadsEnabled, rate: this.meter.rate() ?? 0 })
  }

  onNeighbourGone(id: string): void {
    this.heard.delete(id)
  }

  onControl(from: string, message: ControlMessage): void {
    if (message.t === 'hello') this.heard.set(from, { uploads: message.uploads, rate: message.rate || null })
    else if (message.t === 'rate') this.heard.set(from, { uploads: this.heard.get(from)?.uploads ?? true, rate: message.rate || null })
    else if (message.t === 'fetching') this.onFetchNotice(message.infoHash, from)
    else if (this.config.notifyNeighbours) {
      const entry = this.book.told(message.playlistUrl, message.segment, this.ports.clock.now(), (segment) =>
        this.hold(segment, message.torrent),
      )
      if (entry) {
        this.learned(entry, from, true)
        this.edgeWatch.arrived(entry.playlistUrl)
      }
    }
  }

  destroy(): void {
    this.edgeWatch.stop()
    for (const entry of [...this.book.entries()]) this.drop(entry)
  }

  private hold(segment: AnnouncedSegment, torrentFile?: Uint8Array): Held {
    const fetch = new SegmentFetch(
      segment,
      this.ports.transport,
      this.ports.http,
      this.ports.clock,
      this.httpEventsFor(segment),
      this.httpEstimate,
      torrentFile,
    )
    this.logProgress(fetch, torrentFile !== undefined)
    return { fetch, escalation: null }
  }

  private logProgress(fetch: SegmentFetch, passedOn: boolean): void {
    const { clock, log } = this.ports
    const since = clock.now()
    const url = fetch.segment.url
    fetch.whenReady(
      (error) => error || log.debug(`ready ${url} in ${Math.round(clock.now() - since)} ms${passedOn ? ', .torrent passed on' : ''}`),
    )
    fetch.whenDone(
      (error) =>
        error ||
        log.debug(
          `complete ${url} in ${Math.round(clock.now() - since)} ms: ${fetch.peerBytes} bytes from peers, ${fetch.httpBytes} over HTTP`,
        ),
    )
  }

  private httpEventsFor(segment: AnnouncedSegment): SegmentEvents {
    return {
      peerBytes: (bytes) => {
        this.recorder.peerBytes(segment.magnet.infoHash, bytes)
        this.checkUploadRatio()
      },
      httpBytes: (bytes) => {
        this.recorder.httpBytes(segment.magnet.infoHash, bytes)
        this.checkUploadRatio()
      },
      uploaded: (bytes) => this.onUploaded(segment.magnet.infoHash, bytes),
      rejected: (piece, neighbours) => this.onRejected(segment.magnet.infoHash, piece, neighbours),
      httpStarted: (reason) => this.onHttpStarted(segment.magnet.infoHash, reason),
      httpFailed: (error) => this.ports.log.warn(`HTTP fetch of ${segment.url} failed: ${error.message}`),
    }
  }

  /**
   * A segment new to this viewer: tell the neighbours, and if it is new at the live edge (`edge`), fetch it for
   * them if it is this viewer's turn.
   */
  private learned(entry: BookEntry<Held>, from: string | null, edge: boolean): void {
    this.recorder.held(this.book.size)
    const { mesh } = this.ports
    if (this.config.notifyNeighbours) this.notifyNeighbours(entry, from)
    if (!edge) return
    const self = { id: mesh.selfId, uploads: this.uploadsEnabled, uploadRate: this.meter.rate() }
    const plan = planFirstFetch(self, this.neighbours(), mesh.audience(), entry.infoHash, this.config.firstFetch)
    const held = entry.value
    this.ports.log.debug(
      `learned ${entry.segment.url} from ${from ?? 'playlist'}: ${plan.now ? 'fetch now' : `escalate after ${plan.escalateAfterMs}`}`,
    )
    if (plan.now) this.fetchForOthers(held.fetch, 'first')
    else if (plan.escalateAfterMs !== null) held.escalation = this.ports.clock.setTimer(plan.escalateAfterMs, () => this.escalate(held))
    held.fetch.whenReady((error) => error && this.ports.log.warn(`cannot join the swarm of ${entry.segment.url}: ${error.message}`))
  }

  /**
   * Tells the neighbours of a segment. Learnt from a playlist: at once, so that the neighbourhood sets out in
   * parallel (each asks the origin for the .torrent). Passed on from a neighbour: once its torrent is in, with the
   * .torrent itself, so that further hops need not ask the origin (they have the time: the segment is on its way).
   */
  private notifyNeighbours(entry: BookEntry<Held>, from: string | null): void {
    const { mesh } = this.ports
    const send = (torrent?: Uint8Array) => {
      const notice = { t: 'segment', playlistUrl: entry.playlistUrl, segment: entry.segment, torrent } as const
      for (const id of mesh.neighbourIds()) if (id !== from) mesh.send(id, notice)
    }
    if (from === null) return send()
    entry.value.fetch.whenReady((error) => error || send(entry.value.fetch.torrentFile ?? undefined))
  }

  private escalate(held: Held): void {
    held.escalation = null
    this.fetchForOthers(held.fetch, 'escalation')
  }

  /**
   * Fetches a segment over HTTP before any player asks, unless the audience has it or is fetching it. It need not
   * wait for the segment's .torrent: the bytes are held until the pieces can be cut.
   */
  private fetchForOthers(fetch: SegmentFetch, reason: HttpReason): void {
    if (fetch.failure || fetch.done || fetch.httpRunning || fetch.swarm.peersCanHelp()) return
    const notice = this.fetchNotices.get(fetch.infoHash)
    if (notice !== undefined && this.ports.clock.now() - notice < FETCH_NOTICE_FRESH_MS) return
    fetch.startHttp(reason)
  }

  private onHttpStarted(infoHash: string, reason: HttpReason): void {
    this.ports.log.debug(`HTTP for ${infoHash}: ${reason}`)
    if (reason === 'first' || reason === 'escalation') this.onFetchNotice(infoHash, null)
  }

  /**
   * Someone (this viewer, if `from` is null) fetches a segment for the others. The notice goes on to every
   * neighbour once, like a segment notice: in an audience of thousands, every neighbourhood learns within a few
   * hops that the segment is on its way and holds its escalation, instead of each one fetching it too.
   */
  private onFetchNotice(infoHash: string, from: string | null): void {
    const now = this.ports.clock.now()
    const known = this.fetchNotices.get(infoHash)
    if (known !== undefined && now - known < FETCH_NOTICE_FRESH_MS) return
    this.fetchNotices.set(infoHash, now)
    const { mesh } = this.ports
    for (const id of mesh.neighbourIds()) if (id !== from) mesh.send(id, { t: 'fetching', infoHash })
  }

  /** A piece failed its hash check: every neighbour that sent part of it is dropped for good. */
  private onRejected(infoHash: string, piece: number, neighbours: string[]): void {
    const first = !this.rejectedSegments.has(infoHash)
    this.rejectedSegments.add(infoHash)
    // Only neighbours not banned yet count: one bad neighbour often fails pieces of several segments at once.
    const dropped = neighbours.filter((id) => this.ports.mesh.ban(id)).length
    this.recorder.rejected({ infoHash, piece, peersDropped: dropped }, first)
  }

  private recordDelivery(infoHash: string, result: DeliveredSegment): void {
    if (result.httpReason === 'deadline' || result.httpReason === 'lottery') this.recorder.fallback(infoHash, result.httpAfterMs!)
    this.recorder.segment({ infoHash, source: result.source, bytes: result.bytes.length, waitedMs: result.waitedMs })
  }

  private neighbours(): NeighbourInfo[] {
    return this.ports.mesh.neighbourIds().map((id) => {
      const heard = this.heard.get(id)
      return { id, uploads: heard?.uploads ?? true, uploadRate: heard?.rate ?? null }
    })
  }

  /**
   * Stops serving a little before maxUploadRatio (pieces already asked for still go out), and serves again below
   * 85 % of it, so that it does not flap.
   */
  private checkUploadRatio(): void {
    const { maxUploadRatio, uploadAllowanceBytes } = this.config
    if (maxUploadRatio === 0 || !this.uploadsEnabled) return
    const { bytesUploaded, bytesFromPeers, bytesFromHttp } = this.recorder.stats
    const allowed = Math.max(maxUploadRatio * (bytesFromPeers + bytesFromHttp), uploadAllowanceBytes)
    const uploading = this.uploading ? bytesUploaded <= 0.95 * allowed : bytesUploaded < 0.85 * allowed
    if (uploading === this.uploading) return
    this.uploading = uploading
    this.ports.log.debug(`upload ${uploading ? 'resumed' : 'paused'}: ${bytesUploaded} bytes up, ${bytesFromPeers + bytesFromHttp} down`)
    this.ports.transport.setUploading(uploading)
  }

  /** Counts an upload, and tells the neighbours when this viewer's measured rate moved (at most every 5 s). */
  private onUploaded(infoHash: string, bytes: number): void {
    this.recorder.uploaded(infoHash, bytes)
    this.meter.uploaded(bytes)
    this.checkUploadRatio()
    const rate = this.meter.rate()
    const now = this.ports.clock.now()
    const last = this.announcedRate
    if (rate === null || (last && (now - last.at < RATE_NOTICE_MS || Math.abs(rate - last.rate) < last.rate * 0.25))) return
    this.announcedRate = { rate, at: now }
    for (const id of this.ports.mesh.neighbourIds()) this.ports.mesh.send(id, { t: 'rate', rate })
  }

  private evict(playlistUrl: string): void {
    for (const entry of this.book.evictable(playlistUrl, this.ports.clock.now())) this.drop(entry)
    for (const [infoHash, at] of this.fetchNotices)
      if (this.ports.clock.now() - at > FETCH_NOTICE_FRESH_MS) this.fetchNotices.delete(infoHash)
    if (this.rejectedSegments.size > 1000) this.rejectedSegments = new Set()
  }

  private drop(entry: BookEntry<Held>): void {
    if (!this.book.remove(entry)) return
    entry.value.escalation?.cancel()
    entry.value.fetch.leave()
    this.recorder.held(this.book.size)
  }
}
