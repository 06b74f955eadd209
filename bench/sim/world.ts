import { formatMagnetLine } from '../../src/protocol/magnet-line.js'
import { buildMagnetUri } from '../../src/protocol/magnet.js'
import type { AnnouncedSegment } from '../../src/protocol/playlist-magnets.js'
import { drawUploadClass, seededRandom, uniform, type SimParams, type UploadClass } from './model.js'
import { Scheduler } from './scheduler.js'
import { SimPlayer } from './sim-player.js'
import type { SimSegment, SimSwarm } from './sim-swarm.js'
import { SimViewer } from './sim-viewer.js'

export interface Audience {
  viewer: SimViewer
  player: SimPlayer
  upload: UploadClass
}

export interface Completion {
  sequence: number
  /** ms from the segment's publication to its completion at a viewer. */
  readyMs: number
  peersOnly: boolean
}

/**
 * The simulated world: the origin publishing a live playlist, the tracker handing out random peers of the mesh,
 * WebRTC links with their delays, and the audience joining, leaving and being replaced.
 */
export class World {
  readonly scheduler = new Scheduler()
  readonly random: () => number
  readonly audience: Audience[] = []
  readonly completions: Completion[] = []
  /** Bytes and fetches the origin served, from `measureFrom` on. */
  originBytes = 0
  /** Playlist loads of the cores' own (EdgeWatch), beside the players' reloads. */
  playlistPolls = 0
  private playlistCache: string | null = null
  /** .torrent files the origin served (a notice from a neighbour brings one along). */
  torrentFetches = 0
  /** Whole segments the players fetched themselves (the core did not know the segment or failed it). */
  plainFetches = 0
  /** Viewers that fetched (part of) each segment over HTTP, by sequence, from `measureFrom` on. */
  readonly fetchersBySequence = new Map<number, Set<string>>()
  /** HTTP requests for segment bytes (a fetch of missing pieces may take several ranges). */
  originRequests = 0
  measureFrom = 0
  private readonly present: SimViewer[] = []
  private readonly segments: SimSegment[] = []
  private readonly byHash = new Map<string, SimSegment>()
  private readonly byUrl = new Map<string, SimSegment>()
  private nextId = 0

  constructor(readonly params: SimParams) {
    this.random = seededRandom(params.seed)
  }

  /** HTTP starts by reason (from the core's debug log), from `measureFrom` on. */
  readonly httpReasons = new Map<string, number>()

  /** Viewers whose fetch of a segment was 'immediate' (nothing buffered: a player starting), by sequence. */
  readonly immediateBySequence = new Map<number, Set<string>>()

  /** The cores' debug lines: HTTP starts, by reason. */
  debug(message: string, viewer: SimViewer): void {
    const match = /^HTTP for (\w+): (\w+)/.exec(message)
    if (!match || this.scheduler.now() < this.measureFrom) return
    const reason = match[2]!
    this.httpReasons.set(reason, (this.httpReasons.get(reason) ?? 0) + 1)
    const segment = this.byHash.get(match[1]!)
    if (reason !== 'immediate' || !segment) return
    let viewers = this.immediateBySequence.get(segment.sequence)
    if (!viewers) this.immediateBySequence.set(segment.sequence, (viewers = new Set()))
    viewers.add(viewer.id)
  }

  get presentCount(): number {
    return this.present.length
  }

  segmentByHash(infoHash: string): SimSegment | undefined {
    return this.byHash.get(infoHash)
  }

  segmentByUrl(url: string): SimSegment | undefined {
    return this.byUrl.get(url)
  }

  segmentBySequence(sequence: number): SimSegment | undefined {
    const first = this.segments[0]?.sequence ?? 1
    return this.segments[sequence - first]
  }

  /** The origin's live playlist now: the newest `windowSegments` published. */
  playlistWindow(): SimSegment[] {
    return this.segments.slice(-this.params.windowSegments)
  }

  /** The live playlist as the origin serves it, magnet lines included. */
  playlistText(): string {
    if (this.playlistCache !== null) return this.playlistCache
    const window = this.playlistWindow()
    const lines = [
      '#EXTM3U',
      '#EXT-X-VERSION:3',
      `#EXT-X-TARGETDURATION:${this.params.segmentSeconds}`,
      `#EXT-X-MEDIA-SEQUENCE:${window[0]?.sequence ?? 0}`,
    ]
    for (const segment of window) {
      lines.push(
        `#EXTINF:${this.params.segmentSeconds.toFixed(3)},`,
        formatMagnetLine(buildMagnetUri(segment.segment.magnet)),
        `seg${segment.sequence}.ts`,
      )
    }
    return (this.playlistCache = `${lines.join('\n')}\n`)
  }

  /** Publishes a live stream from t = 0: a full window at once, then one segment every target duration. */
  startStream(until: number): void {
    const segmentMs = this.params.segmentSeconds * 1000
    for (let sequence = 1; sequence <= this.params.windowSegments; sequence++) this.publish(sequence, 0)
    for (let sequence = this.params.windowSegments + 1; (sequence - this.params.windowSegments) * segmentMs <= until; sequence++) {
      this.scheduler.setTimer((sequence - this.params.windowSegments) * segmentMs, () => this.publish(sequence, this.scheduler.now()))
    }
  }

  join(): Audience {
    const upload = drawUploadClass(this.random, this.params.uploadMix)
    const viewer = new SimViewer(this, `v${this.nextId++}`, upload.bitsPerSecond, this.scheduler.now())
    const player = new SimPlayer(viewer)
    const member = { viewer, player, upload }
    this.audience.push(member)
    this.present.push(viewer)
    player.start()
    this.announce(viewer)
    return member
  }

  leave(viewer: SimViewer): void {
    const index = this.present.indexOf(viewer)
    if (index < 0) return
    this.present[index] = this.present[this.present.length - 1]!
    this.present.pop()
    for (const id of [...viewer.links.keys()]) this.unlink(viewer, id)
    viewer.leave()
  }

  randomPresent(): SimViewer | undefined {
    return this.present[Math.floor(this.random() * this.present.length)]
  }

  /**
   * The mesh swarm's announce: offers to up to `offersPerAnnounce` random viewers in the swarm (bittorrent-tracker
   * picks them at random), each connecting after its set-up time if both still have room; again every interval.
   */
  announce(viewer: SimViewer): void {
    if (!viewer.present) return
    const { maxNeighbours, offersPerAnnounce, connectMs, peerRttMs, announceSeconds } = this.params
    const wanted = Math.min(offersPerAnnounce, maxNeighbours - viewer.links.size)
    const picked = new Set<SimViewer>()
    for (let tries = 0; picked.size < wanted && tries < wanted * 3; tries++) {
      const peer = this.randomPresent()
      if (peer && peer !== viewer && !viewer.links.has(peer.id)) picked.add(peer)
    }
    for (const peer of picked) {
      this.scheduler.setTimer(uniform(this.random, connectMs), () => this.link(viewer, peer, uniform(this.random, peerRttMs)))
    }
    this.scheduler.setTimer(announceSeconds * 1000, () => this.announce(viewer))
  }

  unlink(viewer: SimViewer, id: string): void {
    const link = viewer.links.get(id)
    if (!link) return
    viewer.links.delete(id)
    link.peer.links.delete(viewer.id)
    for (const swarm of viewer.swarms.values()) swarm.forget(id)
    for (const swarm of link.peer.swarms.values()) swarm.forget(viewer.id)
    viewer.core.onNeighbourGone(id)
    link.peer.core.onNeighbourGone(viewer.id)
  }

  countHttp(viewer: SimViewer, segment: SimSegment, bytes: number): void {
    if (this.scheduler.now() < this.measureFrom) return
    this.originBytes += bytes
    this.originRequests++
    let fetchers = this.fetchersBySequence.get(segment.sequence)
    if (!fetchers) this.fetchersBySequence.set(segment.sequence, (fetchers = new Set()))
    fetchers.add(viewer.id)
  }

  /** HTTP fetches: viewers that fetched any part of a segment, summed over segments. */
  get originFetches(): number {
    let count = 0
    for (const fetchers of this.fetchersBySequence.values()) count += fetchers.size
    return count
  }

  recordCompletion(swarm: SimSwarm): void {
    if (this.scheduler.now() < this.measureFrom) return
    this.completions.push({
      sequence: swarm.segment.sequence,
      // A segment published before the viewer joined counts from its joining (as bench:swarm counts it).
      readyMs: this.scheduler.now() - Math.max(swarm.segment.publishedAt, swarm.viewer.joinedAt),
      peersOnly: swarm.httpPieces === 0,
    })
  }

  /** Segments published from `measureFrom` on. */
  publishedSince(time: number): number {
    return this.segments.filter((segment) => segment.publishedAt >= time).length
  }

  private link(a: SimViewer, b: SimViewer, rttMs: number): void {
    const max = this.params.maxNeighbours
    if (!a.present || !b.present || a.links.has(b.id) || a.links.size >= max || b.links.size >= max) return
    a.links.set(b.id, { peer: b, oneWayMs: rttMs / 2 })
    b.links.set(a.id, { peer: a, oneWayMs: rttMs / 2 })
    a.core.onNeighbour(b.id)
    b.core.onNeighbour(a.id)
    for (const swarm of a.swarms.values()) swarm.greet(b.id)
  }

  private publish(sequence: number, at: number): void {
    const { pieceBytes, bitrate, segmentSeconds } = this.params
    // Sizes vary a little from segment to segment, as an encoder's do.
    const length = Math.round(((bitrate * segmentSeconds) / 8) * (0.9 + 0.2 * this.random()))
    const infoHash = sequence.toString(16).padStart(40, '0')
    const url = `https://origin.sim/v0/seg${sequence}.ts`
    const segment: AnnouncedSegment = {
      url,
      magnet: { infoHash, name: `seg${sequence}.ts`, trackers: ['wss://origin.sim/announce'], webSeed: url, torrentUrl: `${url}.torrent` },
    }
    const published: SimSegment = {
      sequence,
      infoHash,
      segment,
      shape: { pieceCount: Math.ceil(length / pieceBytes), pieceLength: pieceBytes, length },
      publishedAt: at,
    }
    this.segments.push(published)
    this.playlistCache = null
    this.byHash.set(infoHash, published)
    this.byUrl.set(url, published)
  }
}
