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
import { TrackerProcess } from '../tracker/process/supervisor.js'

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
    private readonly tracker: TrackerProcess | null,
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

  /** The process id of the built-in tracker's process now (it is restarted when it ends), if one runs. */
  get trackerPid(): number | undefined {
    return this.tracker?.pid
  }

  static async start(spec: SourceSpec, partial: Partial<OriginConfig> = {}, options: StartOptions = {}): Promise<Origin> {
    const config = withDefaults(partial)
    const mesh = meshPlanFor(spec, config)
    // The catalog tells the tracker what it publishes and drops; a restarted tracker asks for the whole list.
    let tracker: TrackerProcess | null = null
    const ctx = createContext(config, options, {
      onInfoHashPublished: (hash) => tracker?.publish(hash),
      onInfoHashGone: (hash) => tracker?.unpublish(hash),
    })
    tracker = config.builtinTracker
      ? new TrackerProcess({
          meshSwarms: meshSwarms(mesh),
          published: () => ctx.catalog.publishedInfoHashList(),
          config: config.tracker,
          logger: ctx.logger,
          registry: ctx.metrics.registry,
        })
      : null
    const app = await buildHttpServer({ ctx, config, mesh, tracker })
    const url = await listen(app, config)
    // Its process starts beside the feed; a viewer's tracker connection before it listens waits for it.
    tracker?.start()
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
    // Not the tracker process: a tracker connection made before it listens waits for it (TrackerProcess).
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
