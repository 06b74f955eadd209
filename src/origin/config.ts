import type { TrackerConfig } from '../tracker/config.js'
import type { AudienceConfig } from './audience/config.js'
import { LOW_LATENCY_MODES, type LowLatencyMode } from './low-latency/tags.js'
import { SEGMENTS_AT, type SegmentsAt } from './rendition.js'
import { isMeshTrackerUrl } from '../protocol/mesh-shards.js'

/** Everything an origin can be told, with every default written once, here. */
export interface OriginConfig {
  /** TCP port of the HTTP server (playlists, segments, torrents, tracker, page, metrics). */
  port: number
  /** Interface to listen on. */
  host: string
  /** Absolute base URL viewers reach the origin at (behind a proxy or CDN); default: the request's Host. */
  publicUrl?: string
  /** Segments in a live playlist. */
  windowSegments: number
  /** Serve a finished playlist as an endless live stream. */
  loop: boolean
  /** Extra tracker announce URLs for every magnet. */
  trackers: string[]
  /** Run the built-in WebSocket tracker at /announce. */
  builtinTracker: boolean
  /**
   * Mesh shards: each entry is one shard's WebSocket trackers; viewers pick a shard by their own id and meet only
   * there, so an audience spreads over trackers that share no state. Empty: one shard on the magnets' trackers.
   */
  shards: string[][]
  /** Names the feed's mesh swarms (feeds sharing a tracker never mix); default: derived from the source and URL. */
  feedId?: string
  /** Access-Control-Allow-Origin: '*', one origin, or a comma-separated list. */
  cors: string
  /** The built-in tracker's own settings (announce interval, per-connection limits); defaults in tracker/config.ts. */
  tracker: Partial<TrackerConfig>
  /** What the origin accepts of viewers' reports and how it shows them (/api/report, /dashboard); defaults in audience/config.ts. */
  audience: Partial<AudienceConfig>
  /** Segments hashed at once. */
  hashConcurrency: number
  /** Segments downloaded from a remote upstream at once. */
  fetchConcurrency: number
  /** Reads of one segment before it is skipped. */
  segmentAttempts: number
  /** Timeout of one upstream HTTP request (ms). */
  upstreamTimeoutMs: number
  /** Memory for segment bytes; beyond it the least recently used are re-read from the upstream on demand. */
  cacheBytes: number
  /**
   * LL-HLS sources: `on` passes parts, preload hints, rendition reports and blocking reload through under the
   * origin's names; `off` converts to plain HLS (the LL tags stripped) for players or CDNs that cannot do LL-HLS.
   */
  lowLatency: LowLatencyMode
  /**
   * Where viewers fetch segment bytes: `origin` serves them (`seg<N>.ts`); `upstream` keeps each segment's URL on
   * its upstream or CDN, in the playlist and as the magnet's web seed, so only playlists and .torrent files come
   * from the origin (which still hashes the upstream's bytes). Needs an http(s) source.
   */
  segmentsAt: SegmentsAt
  /** ffmpeg binary for video-file sources; default: found on PATH. */
  ffmpegPath?: string
}

export const DEFAULT_CONFIG: OriginConfig = {
  port: 8008,
  host: '127.0.0.1',
  windowSegments: 6,
  loop: false,
  trackers: [],
  builtinTracker: true,
  shards: [],
  cors: '*',
  tracker: {},
  audience: {},
  hashConcurrency: 2,
  fetchConcurrency: 4,
  segmentAttempts: 3,
  upstreamTimeoutMs: 10_000,
  cacheBytes: 512 * 1024 * 1024,
  lowLatency: 'on',
  segmentsAt: 'origin',
}

export function withDefaults(partial: Partial<OriginConfig>): OriginConfig {
  const defined = Object.fromEntries(Object.entries(partial).filter(([, value]) => value !== undefined))
  const config = { ...DEFAULT_CONFIG, ...defined }
  // A base URL: relative links resolve under it only with its trailing slash.
  if (config.publicUrl && !config.publicUrl.endsWith('/')) config.publicUrl = `${config.publicUrl}/`
  if (!LOW_LATENCY_MODES.includes(config.lowLatency))
    throw new Error(`lowLatency must be one of ${LOW_LATENCY_MODES.join(', ')}, got ${JSON.stringify(config.lowLatency)}`)
  if (!SEGMENTS_AT.includes(config.segmentsAt))
    throw new Error(`segmentsAt must be one of ${SEGMENTS_AT.join(', ')}, got ${JSON.stringify(config.segmentsAt)}`)
  for (const shard of config.shards) {
    if (!Array.isArray(shard) || shard.length === 0) throw new Error('shards: each shard lists at least one tracker URL')
    for (const url of shard)
      if (typeof url !== 'string' || !isMeshTrackerUrl(url))
        throw new Error(`shards: not a ws:// or wss:// tracker URL: ${JSON.stringify(url)}`)
  }
  return config
}
