import cors from '@fastify/cors'
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify'
import type { OriginConfig } from '../config.js'
import type { OriginContext } from '../context.js'
import type { TrackerProcess } from '../../tracker/process/supervisor.js'
import type { MeshPlan } from '../mesh-plan.js'
import { Links } from './links.js'
import { checkRequestPath } from './paths.js'
import { serveResource } from './routes.js'
import { BrowserAssets } from './browser-assets.js'
import { registerAudienceRoutes } from './audience-routes.js'

export interface HttpDeps {
  ctx: OriginContext
  config: OriginConfig
  /** Where the feed's viewers meet (the playlists' mesh lines). */
  mesh: MeshPlan
  tracker: TrackerProcess | null
}

/** The origin's HTTP server: playlists, segments, torrents, proxied assets, metrics, and the tracker's upgrade. */
export async function buildHttpServer(deps: HttpDeps): Promise<FastifyInstance> {
  const { ctx, config } = deps
  const app = Fastify({
    loggerInstance: ctx.logger as FastifyBaseLogger,
    // Per-request logs would be one line per segment per viewer; errors are logged by the error handler.
    logController: new LogController({ disableRequestLogging: true }),
    exposeHeadRoutes: false,
  }) as unknown as FastifyInstance
  await app.register(cors, {
    origin: config.cors === '*' ? '*' : config.cors.split(',').map((origin) => origin.trim()),
    methods: ['GET', 'HEAD', 'POST', 'OPTIONS'],
    exposedHeaders: ['Content-Length', 'Content-Range', 'Accept-Ranges', 'ETag'],
  })
  app.get('/metrics', async (_request, reply) => {
    ctx.metrics.publishedSegments.set(ctx.catalog.publishedInfoHashes)
    // The tracker's first: while its process starts, this waits for it, and the origin's own `up` gauge is then read.
    const tracker = (await deps.tracker?.metricsText()) ?? ''
    const own = await ctx.metrics.registry.metrics()
    reply.type(ctx.metrics.registry.contentType).send(own + tracker)
  })
  registerAudienceRoutes(app, config.audience, ctx.metrics.registry, ctx.logger)
  app.get('/announce', (_request, reply) => {
    reply.code(400).type('text/plain').send('this is a WebSocket tracker: connect with ws:// (a WebTorrent client does)\n')
  })
  const assets = new BrowserAssets()
  app.route({ method: ['GET', 'HEAD'], url: '/*', handler: (request, reply) => serveCatalog(deps, assets, request, reply) })
  app.setErrorHandler((err: Error & { statusCode?: number }, request, reply) => {
    // Fastify's own refusals of a bad request (a body it cannot parse, a media type no route takes) are 4xx.
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500
    if (status === 500) ctx.logger.error({ url: request.url, err: err.message }, 'request failed')
    if (!reply.sent)
      reply
        .code(status)
        .type('text/plain')
        .send(status === 500 ? 'internal error\n' : `${err.message}\n`)
  })
  attachTracker(app, deps.tracker)
  return app
}

async function serveCatalog(deps: HttpDeps, assets: BrowserAssets, request: FastifyRequest, reply: FastifyReply): Promise<void> {
  const checked = checkRequestPath(request.url)
  if (!checked.ok) {
    reply.code(checked.status).type('text/plain').send(`${checked.reason}\n`)
    return
  }
  if (assets.handles(checked.path)) return serveAsset(deps, assets, checked.path, reply)
  const resource = deps.ctx.catalog.get(checked.path)
  if (!resource) {
    reply.code(404).type('text/plain').send('not found\n')
    return
  }
  await serveResource(deps.ctx, resource, checked.path, linksFor(request, deps.config, deps.mesh), request, reply)
}

/** The player page and browser bundles: revalidated on every load so a new build reaches viewers at once. */
function serveAsset(deps: HttpDeps, assets: BrowserAssets, path: string, reply: FastifyReply): void {
  const asset = assets.get(path)
  if (!asset) {
    reply.code(503).type('text/plain').send(`browser bundles not built: run \`npm run build:browser\` (looked in ${assets.dir})\n`)
    return
  }
  reply.type(asset.contentType).header('cache-control', 'no-cache').headers(asset.headers)
  deps.ctx.metrics.served('page', asset.body.length)
  reply.send(asset.body)
}

function attachTracker(app: FastifyInstance, tracker: TrackerProcess | null): void {
  app.server.on('upgrade', (req, socket, head) => {
    const path = (req.url ?? '').split('?')[0]
    if (tracker && path === '/announce') tracker.handleUpgrade(req, socket, head)
    else socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n')
  })
}

const HOST_PATTERN = /^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/

/** The base URL a viewer used: the configured public URL, else the request's own host (validated). */
export function linksFor(request: FastifyRequest, config: OriginConfig, mesh: MeshPlan): Links {
  return new Links(baseUrlFor(request, config), config.builtinTracker, config.trackers, mesh)
}

function baseUrlFor(request: FastifyRequest, config: OriginConfig): string {
  if (config.publicUrl) return config.publicUrl
  const host = request.headers.host && HOST_PATTERN.test(request.headers.host) ? request.headers.host : `${config.host}:${config.port}`
  return `${request.protocol}://${host}/`
}
