import type { Logger } from 'pino'
import type { Catalog } from './catalog.js'
import { ProxiedAssets } from './proxied-assets.js'
import { extensionOf } from './playlist/content-type.js'
import { rewriteUriAttribute } from './playlist/lines.js'
import { MediaWindow, tagName } from './playlist/media-window.js'
import type { MediaPlaylist, UpstreamSegment } from './playlist/parse.js'
import { LowLatencyEdge } from './low-latency/edge.js'
import type { LowLatencyMode } from './low-latency/tags.js'
import type { PublishedSegment } from './playlist/published.js'
import type { SegmentTorrent } from './torrent/segment-torrent.js'

/** Where viewers fetch segment bytes: from the origin (`seg<N>.ts`), or where they already live upstream (a CDN). */
export type SegmentsAt = 'origin' | 'upstream'
export const SEGMENTS_AT: readonly SegmentsAt[] = ['origin', 'upstream']

export interface RenditionOptions {
  logger?: Logger
  lowLatency?: LowLatencyMode
  /** Default 'origin'. */
  segmentsAt?: SegmentsAt
}

/**
 * One media playlist as the origin serves it: where its playlist, segments and proxied assets live under the
 * origin, and the window of published segments. Local names are the origin's own (`seg<N>.ts`, `asset<K>.mp4`),
 * so upstream URLs on other hosts, with query strings, never reach the viewer. With segments kept upstream, the
 * playlist names the upstream's segment, init segment and key URLs instead, and the origin serves none of their bytes.
 */
export class Rendition {
  readonly window: MediaWindow
  /** Parts, preload hint and blocking reload of an LL-HLS upstream (RFC 8216bis). */
  readonly lowLatency: LowLatencyEdge
  private readonly assets: ProxiedAssets
  /** Where the playlist was last read from after redirects: the base of relative URIs in its tags. */
  baseUrl: string
  private readonly segmentsAt: SegmentsAt
  private readonly logger?: Logger

  constructor(
    /** Directory of this rendition under the origin, '' or ending in '/'. */
    readonly dir: string,
    readonly playlistPath: string,
    /** The upstream media playlist URL, polled as given. */
    readonly upstreamUrl: string,
    maxSegments: number | null,
    private readonly catalog: Catalog,
    options: RenditionOptions = {},
  ) {
    const { logger, lowLatency: lowLatencyMode = 'on', segmentsAt = 'origin' } = options
    this.logger = logger
    this.segmentsAt = segmentsAt
    this.baseUrl = upstreamUrl
    this.window = new MediaWindow({
      maxSegments,
      onRetire: (segment, graceMs) => this.catalog.retireSegment(segment, graceMs),
    })
    this.assets = new ProxiedAssets(dir, catalog, (name) => this.window.segments.filter((segment) => segment.uri === name))
    this.lowLatency = new LowLatencyEdge({ mode: lowLatencyMode, dir, catalog, window: this.window, logger })
  }

  /**
   * Serves the header of an upstream playlist, minus the tags the window writes itself and the LL-HLS tags the
   * origin does not do. `live`: the origin follows a live upstream (a loop or a VOD has no live edge to serve parts of).
   */
  setHeader(doc: MediaPlaylist, live: boolean, dropTags: string[]): void {
    this.window.setHeader(this.lowLatency.header(doc, live), dropTags)
  }

  segmentName(sequence: number, upstreamUrl: string): string {
    return `seg${sequence}${extensionOf(upstreamUrl, '.ts')}`
  }

  /** Rewrites the URI attributes of an upstream tag line to this rendition's proxied names. */
  rewriteTag(raw: string): string {
    const name = tagName(raw)
    if (name !== 'EXT-X-MAP' && name !== 'EXT-X-KEY') return raw
    const fallbackExt = name === 'EXT-X-MAP' ? '.mp4' : '.key'
    return rewriteUriAttribute(raw, (uri) => {
      // data: keys are inline and skd:/other schemes are DRM system identifiers, not fetchable resources.
      if (/^(data|skd):/i.test(uri)) return uri
      const absolute = new URL(uri, this.baseUrl).href
      return this.segmentsAt === 'upstream' ? absolute : this.assets.name(absolute, fallbackExt)
    })
  }

  /**
   * Makes the publishable form of an upstream segment. Upstream tags are kept (URIs rewritten); an explicit
   * offset is written into EXT-X-BYTERANGE because the segment before it may leave the window.
   */
  toPublished(input: {
    upstream: UpstreamSegment
    sequence: number
    torrent: SegmentTorrent
    mapLine?: string
    keyLine?: string
    discontinuity: boolean
    bodyKey: string
    keepBody?: boolean
  }): PublishedSegment {
    const { upstream, sequence } = input
    const segmentName = this.segmentName(sequence, upstream.url)
    const range = upstream.byteRange
    // A byte-range segment keeps naming its resource (with the BYTERANGE tag); its exact bytes are at `path`.
    const uri = this.segmentsAt === 'upstream' ? upstream.url : range ? this.assets.name(upstream.url, '.ts') : segmentName
    // A web seed (BEP 19) names a whole file, so a byte range of one cannot be seeded from upstream: the
    // origin's path stays its web seed (only BitTorrent clients that use web seeds read it).
    const webSeed = this.segmentsAt === 'upstream' && !range ? upstream.url : undefined
    // Parts go under the origin's own names (or away, when not served); an unusable part line is left out.
    const partLines = this.lowLatency.partLines(upstream.sequence)
    let partsPlaced = false
    const tags = upstream.tags
      .filter((tag) => tag.name !== 'EXT-X-DISCONTINUITY' && tag.name !== 'EXT-X-ENDLIST')
      .flatMap((tag) => {
        if (tag.name === 'EXT-X-PART') {
          if (partsPlaced) return []
          partsPlaced = true
          return partLines
        }
        if (tag.name === 'EXT-X-BYTERANGE' && range) return [`#EXT-X-BYTERANGE:${range.length}@${range.offset}`]
        return [this.rewriteTag(tag.raw)]
      })
    return {
      sequence,
      duration: upstream.duration,
      discontinuity: input.discontinuity,
      tags,
      mapLine: input.mapLine && this.rewriteTag(input.mapLine),
      keyLine: input.keyLine && this.rewriteTag(input.keyLine),
      uri,
      path: this.dir + segmentName,
      webSeed,
      byteRange: range,
      bodyKey: input.bodyKey,
      keepBody: input.keepBody,
      torrent: input.torrent,
    }
  }

  publish(segment: PublishedSegment): void {
    this.catalog.publishSegment(segment)
    this.window.publish(segment)
    this.lowLatency.changed()
    this.logger?.debug({ path: segment.path, infoHash: segment.torrent.infoHash, bytes: segment.torrent.length }, 'segment published')
  }
}
