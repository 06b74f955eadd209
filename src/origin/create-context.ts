import { pino, type Logger } from 'pino'
import { AssetCache } from './asset-cache.js'
import { BodyCache } from './body-cache.js'
import { Catalog } from './catalog.js'
import type { OriginConfig } from './config.js'
import type { OriginContext } from './context.js'
import { OriginMetrics } from './metrics.js'
import { HashQueue } from './torrent/hash-queue.js'
import { Upstream } from './upstream.js'

export interface ContextOptions {
  logger?: Logger
  /** Hashing progress while a VOD (or a looped folder) is prepared. */
  onProgress?: (done: number, total: number) => void
}

export interface CatalogHooks {
  /** An infohash is published for the first time (its tracker swarm is admitted from now on). */
  onInfoHashPublished?: (infoHash: string) => void
  /** The last published copy of an infohash is gone (its tracker swarm can be pruned). */
  onInfoHashGone?: (infoHash: string) => void
  /** Something in the catalog changed (what a packager writes out). */
  onChanged?: () => void
}

/** The shared services of one origin (or packager) over one feed. */
export function createContext(config: OriginConfig, options: ContextOptions, hooks: CatalogHooks = {}): OriginContext {
  const logger = options.logger ?? pino({ level: process.env.LOG_LEVEL ?? 'info' })
  const metrics = new OriginMetrics()
  const upstream = new Upstream({ timeoutMs: config.upstreamTimeoutMs })
  const hashQueue = new HashQueue(config.hashConcurrency, (seconds, bytes) => {
    metrics.segmentsHashed.inc()
    metrics.hashSeconds.observe(seconds)
    metrics.hashedBytes.inc(bytes)
  })
  const bodies = new BodyCache(config.cacheBytes, upstream)
  const catalog = new Catalog({
    onInfoHashPublished: hooks.onInfoHashPublished,
    onInfoHashGone: hooks.onInfoHashGone ?? (() => {}),
    onSegmentDropped: (segment) => !segment.keepBody && bodies.delete(segment.bodyKey),
    onChanged: hooks.onChanged,
  })
  return {
    upstream,
    hashQueue,
    bodies,
    assets: new AssetCache(upstream),
    catalog,
    metrics,
    logger,
    onProgress: options.onProgress ?? (() => {}),
  }
}
