import chokidar, { type FSWatcher } from 'chokidar'
import type { FastifyInstance } from 'fastify'
import { pino, type Logger } from 'pino'
import { AssetCache } from './asset-cache.js'
import { BodyCache } from './body-cache.js'
import { Catalog } from './catalog.js'
import { withDefaults, type OriginConfig } from './config.js'
import type { OriginContext } from './context.js'
import { ENTRY_PATH, Feed } from './feed.js'
import { buildHttpServer } from './http/server.js'
import { OriginMetrics } from './metrics.js'
import { openSource, type OpenedSource } from './sources/open-source.js'
import type { SourceSpec } from './sources/resolve.js'
import { HashQueue } from './torrent/hash-queue.js'
import { Tracker } from '../tracker/tracker.js'
import { Upstream } from './upstream.js'

export class PortInUseError extends Error {
  constructor(host: string, port: number) {
    super(`port ${port} on ${host} is already in use: stop the other server or pick another port with --port`)
  }
}

export interface StartOptions {
  logger?: Logger
  /** Hashing progress while a VOD (or a looped folder) is prepared. */
  onProgress?: (done: number, total: number) => void
}

/** A running origin: one feed, served over HTTP with its tracker. */
export class Origin {
  private constructor(
    readonly config: OriginConfig,
    readonly ctx: OriginContext,
    private readonly app: FastifyInstance,
    private readonly tracker: Tracker | null,
    private readonly feed: Feed,
    private readonly source: OpenedSource,
    private readonly watcher: FSWatcher | null,
    /** Base URL, ending in '/'. */
    readonly url: string,
  ) {}

  get playlistUrl(): string {
    return new URL(ENTRY_PATH, this.url).href
  }

  get pageUrl(): string {
    return this.url
  }

  get metrics(): OriginMetrics {
    return this.ctx.metrics
  }

  static async start(spec: SourceSpec, partial: Partial<OriginConfig> = {}, options: StartOptions = {}): Promise<Origin> {
    const config = withDefaults(partial)
    // The catalog reports dropped infohashes to the tracker, which asks the catalog what is published.
    let tracker: Tracker | null = null
    const ctx = createContext(config, options, (hash) => tracker?.prune(hash))
    tracker = config.builtinTracker
      ? new Tracker({
          isPublished: (hash) => ctx.catalog.isPublished(hash),
          config: config.tracker,
          logger: ctx.logger,
          registry: ctx.metrics.registry,
        })
      : null
    const app = await buildHttpServer({ ctx, config, tracker })
    const url = await listen(app, config)
    try {
      const source = await openSource(spec, {
        loop: config.loop,
        windowSegments: config.windowSegments,
        ffmpegPath: config.ffmpegPath,
        logger: ctx.logger,
      })
      const feed = new Feed(ctx, {
        entryUrl: source.entryUrl,
        loop: source.loop,
        windowSegments: config.windowSegments,
        segmentAttempts: config.segmentAttempts,
        fetchConcurrency: config.fetchConcurrency,
        lowLatency: config.lowLatency,
      })
      await feed.start().catch(async (err: unknown) => {
        await source.close()
        throw err
      })
      const watcher = source.watchDir ? watchFolder(source.watchDir, () => feed.poke()) : null
      return new Origin(config, ctx, app, tracker, feed, source, watcher, url)
    } catch (err) {
      await tracker?.close()
      await app.close()
      throw err
    }
  }

  /** Resolves once the feed can be played (a VOD is fully hashed, a live feed has its first segment). */
  async whenReady(timeoutMs = 60_000): Promise<void> {
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new Error(`feed not ready after ${timeoutMs} ms`)), timeoutMs)
    })
    await Promise.race([this.feed.ready, timeout]).finally(() => clearTimeout(timer))
  }

  async stop(): Promise<void> {
    this.feed.stop()
    await this.watcher?.close()
    await this.source.close()
    await this.tracker?.close()
    this.ctx.catalog.close()
    await this.app.close()
  }
}

function createContext(config: OriginConfig, options: StartOptions, onInfoHashGone: (infoHash: string) => void): OriginContext {
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
    onInfoHashGone,
    onSegmentDropped: (segment) => !segment.keepBody && bodies.delete(segment.bodyKey),
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

async function listen(app: FastifyInstance, config: OriginConfig): Promise<string> {
  try {
    await app.listen({ port: config.port, host: config.host })
  } catch (err) {
    await app.close()
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') throw new PortInUseError(config.host, config.port)
    throw err
  }
  const address = app.server.address()
  const port = typeof address === 'object' && address ? address.port : config.port
  const host = config.host.includes(':') ? `[${config.host}]` : config.host === '0.0.0.0' ? '127.0.0.1' : config.host
  return config.publicUrl ? (config.publicUrl.endsWith('/') ? config.publicUrl : `${config.publicUrl}/`) : `http://${host}:${port}/`
}

/** Packagers rewrite their playlist when a segment is complete: re-read at once rather than at the next poll. */
function watchFolder(dir: string, onChange: () => void): FSWatcher {
  const watcher = chokidar.watch(dir, { depth: 2, ignoreInitial: true })
  watcher.on('all', (_event, path) => path.endsWith('.m3u8') && onChange())
  watcher.on('error', () => {}) // polling carries on regardless
  return watcher
}
