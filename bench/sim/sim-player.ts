import type { Timer } from '../../src/client/core/ports.js'
import type { SimSegment } from './sim-swarm.js'
import type { SimViewer } from './sim-viewer.js'

export const PLAYLIST_URL = 'https://origin.sim/v0/index.m3u8'

/**
 * hls.js on a live playlist, as far as the delivery core can tell: it reloads the playlist every target duration
 * (its own phase, from when it joined), starts `liveSyncSegments` from the live edge, loads one segment at a time
 * while less than `maxBufferSeconds` is buffered, plays as soon as the first segment is in, and stalls when the
 * playhead reaches the end of the buffer. Media time t belongs to segment floor(t / T) + 1.
 */
export class SimPlayer {
  startupMs: number | null = null
  stalls = 0
  stallMs = 0
  readonly latencies: number[] = []
  /** Bytes handed to the player from the world's measurement start on. */
  measuredBytes = 0
  private listedUpTo = 0
  private nextSequence = 0
  private bufferEnd = 0
  private playhead = 0
  private playing = false
  private stalledAt: number | null = null
  private loading = false
  private lastUpdate = 0
  private emptyTimer: Timer | null = null

  constructor(private readonly viewer: SimViewer) {}

  private get world() {
    return this.viewer.world
  }

  private get segmentMs(): number {
    return this.world.params.segmentSeconds * 1000
  }

  start(): void {
    const rtt = this.world.params.originRttMs[0]
    this.world.scheduler.setTimer(rtt, () => this.refresh())
  }

  private refresh(): void {
    if (!this.viewer.present) return
    const listing = this.world.playlistWindow()
    const newest = listing.at(-1)
    if (newest) {
      this.viewer.core.announce(
        PLAYLIST_URL,
        listing.map((segment) => segment.segment),
      )
      this.listedUpTo = newest.sequence
      if (this.nextSequence === 0)
        this.nextSequence = Math.max(listing[0]!.sequence, newest.sequence - this.world.params.liveSyncSegments + 1)
      this.sampleLatency(newest)
      this.maybeLoad()
    }
    this.world.scheduler.setTimer(this.segmentMs, () => this.refresh())
  }

  private sampleLatency(newest: SimSegment): void {
    if (this.startupMs === null) return
    this.update()
    const edge = (newest.sequence * this.segmentMs) / 1000
    if (this.world.scheduler.now() >= this.world.measureFrom) this.latencies.push(edge - this.playhead)
  }

  private maybeLoad(): void {
    if (this.loading || !this.viewer.present || this.nextSequence > this.listedUpTo) return
    this.update()
    const bufferedMs = this.startupMs === null ? 0 : (this.bufferEnd - this.playhead) * 1000
    if (bufferedMs >= this.world.params.maxBufferSeconds * 1000) return
    const segment = this.world.segmentBySequence(this.nextSequence)
    if (!segment) return
    this.loading = true
    this.viewer.core.request(segment.segment.url, bufferedMs, (result) => {
      if (result) return this.appended(segment)
      this.viewer.plainFetch(segment.segment.url, () => this.appended(segment))
    })
  }

  private appended(segment: SimSegment): void {
    if (!this.viewer.present) return
    this.update()
    this.loading = false
    const now = this.world.scheduler.now()
    if (now >= this.world.measureFrom) this.measuredBytes += segment.shape.length
    this.bufferEnd = (segment.sequence * this.segmentMs) / 1000
    this.nextSequence = segment.sequence + 1
    if (this.startupMs === null) {
      this.startupMs = now - this.viewer.joinedAt
      this.playhead = ((segment.sequence - 1) * this.segmentMs) / 1000
      this.playing = true
    } else if (this.stalledAt !== null) {
      this.stallMs += now - this.stalledAt
      this.stalledAt = null
      this.playing = true
    }
    this.watchBuffer()
    this.maybeLoad()
  }

  private update(): void {
    const now = this.world.scheduler.now()
    if (this.playing) this.playhead = Math.min(this.bufferEnd, this.playhead + (now - this.lastUpdate) / 1000)
    this.lastUpdate = now
  }

  /** Schedules the moment the buffer runs dry, if nothing arrives before. */
  private watchBuffer(): void {
    this.emptyTimer?.cancel()
    if (!this.playing) return
    this.emptyTimer = this.world.scheduler.setTimer((this.bufferEnd - this.playhead) * 1000, () => {
      this.update()
      if (!this.viewer.present || !this.playing || this.playhead < this.bufferEnd - 1e-9) return
      this.playing = false
      this.stalls++
      this.stalledAt = this.world.scheduler.now()
    })
    // A segment is asked for as soon as the buffer has room again.
    const room = (this.bufferEnd - this.playhead - this.world.params.maxBufferSeconds) * 1000
    if (room > 0) this.world.scheduler.setTimer(room, () => this.maybeLoad())
  }

  /** Stall time so far, counting a stall still going on. */
  stallMsAt(now: number): number {
    return this.stallMs + (this.stalledAt !== null ? now - this.stalledAt : 0)
  }
}
