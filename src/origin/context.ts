import type { Logger } from 'pino'
import type { AssetCache } from './asset-cache.js'
import type { BodyCache } from './body-cache.js'
import type { Catalog } from './catalog.js'
import type { OriginMetrics } from './metrics.js'
import type { HashQueue } from './torrent/hash-queue.js'
import type { Upstream } from './upstream.js'

/** The shared services every part of one origin uses. */
export interface OriginContext {
  upstream: Upstream
  hashQueue: HashQueue
  bodies: BodyCache
  assets: AssetCache
  catalog: Catalog
  metrics: OriginMetrics
  logger: Logger
  /** Reports hashing progress of a VOD being prepared (for a progress bar). */
  onProgress: (done: number, total: number) => void
}
