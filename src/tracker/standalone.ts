import Fastify, { LogController, type FastifyBaseLogger } from 'fastify'
import type { Logger } from 'pino'
import { Registry, collectDefaultMetrics } from 'prom-client'
import type { TrackerConfig } from './config.js'
import { Tracker } from './tracker.js'

export interface StandaloneTrackerOptions {
  port: number
  host: string
  /** Announce interval, per-connection limits, minSwarm; defaults in config.ts. */
  config?: Partial<TrackerConfig>
  logger: Logger
}

export interface StandaloneTracker {
  /** ws://host:port/announce, what magnets and `serve --tracker` name. */
  announceUrl: string
  metricsUrl: string
  tracker: Tracker
  close(): Promise<void>
}

/**
 * The origin's tracker code run alone (`live-torrent tracker`): the same message checks and per-connection limits,
 * WebSocket upgrades at `/announce` (and `/`, where stock trackers listen), Prometheus metrics at `/metrics`. With no
 * origin beside it, it cannot know which segments are published, so it admits any infohash, as stock trackers do.
 */
export async function startStandaloneTracker(options: StandaloneTrackerOptions): Promise<StandaloneTracker> {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry, prefix: 'live_torrent_' })
  const tracker = new Tracker({ config: options.config, logger: options.logger, registry })
  const app = Fastify({
    loggerInstance: options.logger as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
  })
  app.get('/metrics', async (_request, reply) => {
    tracker.updateGauges()
    reply.type(registry.contentType).send(await registry.metrics())
  })
  app.get('/', (_request, reply) => {
    reply.type('text/plain').send('a WebTorrent tracker: connect with ws:// to /announce\n')
  })
  app.server.on('upgrade', (req, socket, head) => {
    const path = (req.url ?? '').split('?')[0]
    if (path === '/announce' || path === '/') tracker.handleUpgrade(req, socket, head)
    else socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n')
  })
  try {
    await app.listen({ port: options.port, host: options.host })
  } catch (err) {
    await tracker.close()
    await app.close()
    throw err
  }
  const address = app.server.address()
  const port = typeof address === 'object' && address ? address.port : options.port
  const host = options.host.includes(':') ? `[${options.host}]` : options.host === '0.0.0.0' ? '127.0.0.1' : options.host
  return {
    announceUrl: `ws://${host}:${port}/announce`,
    metricsUrl: `http://${host}:${port}/metrics`,
    tracker,
    async close() {
      await tracker.close()
      await app.close()
    },
  }
}
