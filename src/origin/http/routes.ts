import type { FastifyReply, FastifyRequest } from 'fastify'
import type { OriginContext } from '../context.js'
import type { Resource } from '../catalog.js'
import { contentTypeOf } from '../playlist/content-type.js'
import type { ByteRange } from '../playlist/parse.js'
import type { PublishedSegment } from '../playlist/published.js'
import { UpstreamError } from '../upstream.js'
import type { Links } from './links.js'
import { sendBytes } from './send.js'
import { holdForReload } from './blocking-reload.js'
import { byteRangeOf } from '../low-latency/tags.js'

const IMMUTABLE = 'public, max-age=31536000, immutable'

/** Serves one catalog resource. Each kind knows its content type and caching rule. */
export async function serveResource(
  ctx: OriginContext,
  resource: Resource,
  path: string,
  links: Links,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<void> {
  switch (resource.kind) {
    case 'playlist':
      return servePlaylist(ctx, resource, links, request, reply)
    case 'segment':
      return serveSegment(ctx, resource.segment, path, request, reply)
    case 'torrent':
      return serveTorrent(ctx, resource.segment, links, request, reply)
    case 'proxy':
      return serveProxy(ctx, resource, path, request, reply)
    case 'part':
      return servePart(ctx, resource, path, request, reply)
  }
}

async function servePlaylist(
  ctx: OriginContext,
  resource: Extract<Resource, { kind: 'playlist' }>,
  links: Links,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<void> {
  reply.header('cache-control', 'no-cache')
  const held = resource.reload ? await holdForReload(resource.reload, request, reply) : { ok: true as const }
  if (!held.ok) {
    reply.code(held.status).type('text/plain').send(`${held.reason}\n`)
    return
  }
  const text = resource.render(links)
  if (text === null) {
    reply.code(503).header('retry-after', '2').type('text/plain').send('playlist not ready yet: its segments are still being hashed\n')
    return
  }
  reply.type('application/vnd.apple.mpegurl')
  if (request.method !== 'HEAD') ctx.metrics.served('playlist', Buffer.byteLength(text))
  reply.send(text)
}

async function serveSegment(
  ctx: OriginContext,
  segment: PublishedSegment,
  path: string,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<void> {
  const bytes = await ctx.bodies.get(segment.bodyKey)
  if (!bytes) {
    reply.code(404).type('text/plain').send('segment no longer available\n')
    return
  }
  reply.type(contentTypeOf(path)).header('cache-control', IMMUTABLE).header('etag', `"${segment.torrent.infoHash}"`)
  ctx.metrics.served('segment', sendBytes(request, reply, bytes))
}

function serveTorrent(ctx: OriginContext, segment: PublishedSegment, links: Links, request: FastifyRequest, reply: FastifyReply): void {
  const file = links.torrentFor(segment)
  // The info dictionary never changes, but announce and web seed URLs follow the request's host.
  reply.type('application/x-bittorrent').header('cache-control', 'public, max-age=3600').header('vary', 'host')
  if (request.method !== 'HEAD') ctx.metrics.served('torrent', file.length)
  reply.send(Buffer.from(file))
}

/** An LL-HLS part: answered once the upstream lists it (a hinted part waits), from the asset cache. */
async function servePart(
  ctx: OriginContext,
  resource: Extract<Resource, { kind: 'part' }>,
  path: string,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<void> {
  const source = await resource.whenListed()
  if (!source) {
    reply.code(404).type('text/plain').send('part not listed by the upstream (in time)\n')
    return
  }
  let bytes: Uint8Array
  try {
    bytes = await ctx.assets.get(source.url, byteRangeOf(source))
  } catch (err) {
    return answerUpstreamFailure(ctx, reply, 'part', { path, url: source.url }, err)
  }
  reply.type(resource.contentType).header('cache-control', 'public, max-age=60')
  ctx.metrics.served('part', sendBytes(request, reply, bytes))
}

/** A proxied read failed: counted, logged, and answered 404 when the upstream said so, else 502. */
function answerUpstreamFailure(
  ctx: OriginContext,
  reply: FastifyReply,
  kind: 'asset' | 'part',
  where: { path: string; url: string },
  err: unknown,
): void {
  ctx.metrics.upstreamError(kind)
  const status = err instanceof UpstreamError && err.status === 404 ? 404 : 502
  ctx.logger.warn(where, `${kind === 'part' ? 'part' : 'proxied asset'} failed: ${(err as Error).message}`)
  reply
    .code(status)
    .type('text/plain')
    .send(status === 404 ? 'not found upstream\n' : 'upstream unavailable\n')
}

type ProxyResource = Extract<Resource, { kind: 'proxy' }>

/** Init segments, keys and byte-range resources: published ranges come from memory, the rest from upstream. */
async function serveProxy(
  ctx: OriginContext,
  resource: ProxyResource,
  path: string,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<void> {
  reply.type(resource.contentType).header('cache-control', 'public, max-age=60').header('accept-ranges', 'bytes')
  const range = singleClosedRange(request.headers.range)
  let bytes: Uint8Array
  try {
    bytes = (range && (await publishedRange(ctx, resource, range))) || (await ctx.assets.get(resource.url, range ?? undefined))
  } catch (err) {
    return answerUpstreamFailure(ctx, reply, 'asset', { path, url: resource.url }, err)
  }
  if (!range) {
    ctx.metrics.served('asset', sendBytes(request, reply, bytes))
    return
  }
  // Only the requested range was read, so the total length is unknown: '*' is what RFC 9110 allows for that.
  reply
    .code(206)
    .header('content-range', `bytes ${range.offset}-${range.offset + bytes.length - 1}/*`)
    .header('content-length', bytes.length)
  if (request.method !== 'HEAD') ctx.metrics.served('asset', bytes.length)
  reply.send(request.method === 'HEAD' ? undefined : Buffer.from(bytes))
}

/** `bytes=a-b`, the form players and web seeds send for byte-range segments; anything else is read whole. */
function singleClosedRange(header: string | undefined): ByteRange | null {
  const match = header ? /^bytes=(\d+)-(\d+)$/.exec(header.trim()) : null
  if (!match) return null
  const start = Number(match[1])
  const end = Number(match[2])
  return end >= start ? { offset: start, length: end - start + 1 } : null
}

/** A range inside one published byte-range segment is answered from the bytes that were hashed. */
async function publishedRange(ctx: OriginContext, resource: ProxyResource, range: ByteRange): Promise<Uint8Array | null> {
  for (const segment of resource.segments()) {
    const own = segment.byteRange
    if (!own || range.offset < own.offset || range.offset + range.length > own.offset + own.length) continue
    const bytes = await ctx.bodies.get(segment.bodyKey)
    return bytes ? bytes.subarray(range.offset - own.offset, range.offset - own.offset + range.length) : null
  }
  return null
}
