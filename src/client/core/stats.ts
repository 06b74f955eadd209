import { emptyStats, type StatsEventMap, type ViewerStats } from '../../protocol/stats.js'
import { TypedEvents } from './events.js'
import type { Clock, Timer } from './ports.js'

/** How often the aggregated 'stats' event fires at most (ms). */
const STATS_EVENT_INTERVAL_MS = 250

/** Keeps one viewer's totals and emits the typed stats events as they change. */
export class StatsRecorder {
  readonly stats: ViewerStats
  readonly events = new TypedEvents<StatsEventMap>()
  private statsTimer: Timer | null = null

  constructor(
    p2pEnabled: boolean,
    private readonly clock: Clock,
  ) {
    this.stats = emptyStats(p2pEnabled)
  }

  peerBytes(infoHash: string, bytes: number): void {
    this.stats.bytesFromPeers += bytes
    this.emit('peer-bytes', { infoHash, bytes })
  }

  httpBytes(infoHash: string | null, bytes: number): void {
    this.stats.bytesFromHttp += bytes
    this.emit('http-bytes', { infoHash, bytes })
  }

  uploaded(infoHash: string, bytes: number): void {
    this.stats.bytesUploaded += bytes
    this.emit('uploaded', { infoHash, bytes })
  }

  held(segments: number): void {
    if (this.stats.segmentsHeld === segments) return
    this.stats.segmentsHeld = segments
    this.emit('held', { segments })
  }

  /** A whole segment fetched over plain HTTP outside the swarms (P2P off, or the service worker fell back). */
  httpSegment(bytes: number): void {
    this.stats.segmentsFromHttp++
    this.httpBytes(null, bytes)
  }

  /** P2P started in this mesh shard (set once, so no event of its own). */
  meshShard(index: number): void {
    this.stats.meshShard = index
  }

  peers(count: number): void {
    if (this.stats.peers === count) return
    this.stats.peers = count
    this.emit('peers', { peers: count })
  }

  segment(detail: StatsEventMap['segment']): void {
    if (detail.source === 'peers') this.stats.segmentsFromPeers++
    else this.stats.segmentsFromHttp++
    this.emit('segment', detail)
  }

  rejected(detail: StatsEventMap['rejected'], firstInSegment: boolean): void {
    this.stats.piecesRejected++
    this.stats.peersDropped += detail.peersDropped
    if (firstInSegment) this.stats.segmentsRejected++
    this.emit('rejected', detail)
  }

  fallback(infoHash: string, afterMs: number): void {
    this.stats.fallbacks++
    this.emit('fallback', { infoHash, afterMs })
  }

  stall(): void {
    this.stats.stalls++
    this.emit('stall', { at: Date.now() })
  }

  private emit<K extends keyof StatsEventMap>(name: K, detail: StatsEventMap[K]): void {
    this.events.emit(name, detail)
    this.scheduleStatsEvent()
  }

  private scheduleStatsEvent(): void {
    if (this.statsTimer) return
    this.statsTimer = this.clock.setTimer(STATS_EVENT_INTERVAL_MS, () => {
      this.statsTimer = null
      this.events.emit('stats', { ...this.stats })
    })
  }
}
