import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'

export type ServedKind = 'playlist' | 'segment' | 'torrent' | 'asset' | 'part' | 'page'
export type UpstreamErrorKind = 'playlist' | 'segment' | 'asset' | 'part'

/** The origin's Prometheus metrics, in a registry of its own so that several origins can run in one process. */
export class OriginMetrics {
  readonly registry = new Registry()
  readonly segmentsHashed = new Counter({
    name: 'live_torrent_segments_hashed_total',
    help: 'Segments hashed into torrents',
    registers: [this.registry],
  })
  readonly hashSeconds = new Histogram({
    name: 'live_torrent_hash_seconds',
    help: 'Time to hash one segment',
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
    registers: [this.registry],
  })
  readonly hashedBytes = new Counter({ name: 'live_torrent_hashed_bytes_total', help: 'Bytes hashed', registers: [this.registry] })
  readonly bytesServed = new Counter({
    name: 'live_torrent_bytes_served_total',
    help: 'Bytes sent over HTTP, by kind',
    labelNames: ['kind'],
    registers: [this.registry],
  })
  readonly playlistUpdates = new Counter({
    name: 'live_torrent_playlist_updates_total',
    help: 'Times a served media playlist gained segments or ended',
    registers: [this.registry],
  })
  readonly upstreamErrors = new Counter({
    name: 'live_torrent_upstream_errors_total',
    help: 'Failed reads of the upstream feed, by kind',
    labelNames: ['kind'],
    registers: [this.registry],
  })
  readonly publishedSegments = new Gauge({
    name: 'live_torrent_published_infohashes',
    help: 'Infohashes currently published',
    registers: [this.registry],
  })

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'live_torrent_' })
  }

  served(kind: ServedKind, bytes: number): void {
    this.bytesServed.inc({ kind }, bytes)
  }

  upstreamError(kind: UpstreamErrorKind): void {
    this.upstreamErrors.inc({ kind })
  }
}
