import type { FastifyInstance } from 'fastify'
import { withDefaults, type OriginConfig } from './config.js'
import type { OriginContext } from './context.js'
import { createContext, type ContextOptions } from './create-context.js'
import { ENTRY_PATH } from './feed.js'
import type { OriginMetrics } from './metrics.js'
import { buildHttpServer } from './http/server.js'
import { meshPlanFor, meshSwarms } from './mesh-plan.js'
import { RunningFeed } from './running-feed.js'
import type { SourceSpec } from './sources/resolve.js'
import { Tracker } from '../tracker/tracker.js'

export class PortInUseError extends Error {
  constructor(host: string, port: number) {
    super(`port ${port} on ${host} is already in use: stop the other server or pick another port with --port`)
  }
}

export type StartOptions = ContextOptions

/** A running origin: one feed, served over HTTP with its tracker. */
export class Origin {
  private constructor(
    readonly config: OriginConfig,
    readonly ctx: OriginContext,
    private readonly app: FastifyInstance,
    private readonly tracker: Tracker | null,
    private readonly running: RunningFeed,
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
    const mesh = meshPlanFor(spec, config)
    const swarms = new Set(meshSwarms(mesh))
    // The catalog reports dropped infohashes to the tracker, which asks the catalog what is published.
    let tracker: Tracker | null = null
    const ctx = createContext(config, options, { onInfoHashGone: (hash) => tracker?.prune(hash) })
    tracker = config.builtinTracker
      ? new Tracker({
          isPublished: (hash) => swarms.has(hash) || ctx.catalog.isPublished(hash),
          config: config.tracker,
          logger: ctx.logger,
          registry: ctx.metrics.registry,
        })
      : null
    const app = await buildHttpServer({ ctx, config, mesh, tracker })
    const url = await listen(app, config)
    try {
      const running = await RunningFeed.start(ctx, spec, config)
      return new Origin(config, ctx, app, tracker, running, url)
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
    await Promise.race([this.running.feed.ready, timeout]).finally(() => clearTimeout(timer))
  }

  async stop(): Promise<void> {
    await this.running.stop()
    await this.tracker?.close()
    this.ctx.catalog.close()
    await this.app.close()
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
  return config.publicUrl ?? `http://${host}:${port}/`
}
