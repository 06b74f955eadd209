import type {
  FragmentLoaderContext,
  HlsConfig,
  Loader,
  LoaderCallbacks,
  LoaderConfiguration,
  LoaderContext,
  LoaderStats,
  PlaylistLoaderContext,
} from 'hls.js'
import { MAGNET_TAG } from '../protocol/magnet-line.js'
import { WORKER_HEADER } from '../protocol/messages.js'
import { readMeshShards, type MeshShard } from '../protocol/mesh-shards.js'
import { readPlaylistMagnets, segmentKey } from '../protocol/playlist-magnets.js'
import type { DeliveredSegment } from '../client/core/segment-request.js'
import type { HttpTiming } from '../client/core/http-estimate.js'
import type { AnnouncedSegment } from '../protocol/playlist-magnets.js'

type LoaderClass<T extends LoaderContext> = new (config: HlsConfig) => Loader<T>

/** What the loaders need of the page client (src/client/page-client.ts). */
export interface LoaderClient {
  announce(playlistUrl: string, segments: AnnouncedSegment[], mesh: MeshShard[]): void
  /** Whether `deliver` takes this segment (else hls.js's own loader fetches it). */
  answers(key: string): boolean
  deliver(key: string, bufferAheadMs: number | null): Promise<DeliveredSegment | null>
  /**
   * A segment came over plain HTTP without the client: count it, and seed it if the client holds it. `timing`:
   * when the request started, its first byte came and it ended (performance.now ms), for the client's HTTP estimate.
   */
  fetchedElsewhere(key: string, body: Uint8Array<ArrayBuffer>, waitedMs: number, timing?: HttpTiming): void
}

/** What the loaders need: the page client and how much the player has buffered ahead (ms, null = unknown). */
export interface LoaderDeps {
  client: LoaderClient
  bufferAheadMs: () => number | null
  /**
   * Whether segments go through the page client now (default: always). The page script's loaders do so on the
   * 'loader' path and until the path is settled (the client answers at once, or holds a request that the buffer
   * lets wait for the forming mesh); on the service-worker path they are hls.js's own, and the worker takes them.
   */
  routesSegments?: () => boolean
}

/**
 * Whether the live-torrent service worker answered this load (its WORKER_HEADER): then it handed the playlist's
 * magnets or the segment's bytes to the page client itself. `details` is what hls.js passes as networkDetails:
 * the XMLHttpRequest of its default loader, or the fetch Response of its fetch loader.
 */
function answeredByWorker(details: unknown): boolean {
  if (details instanceof Response) return details.headers.has(WORKER_HEADER)
  const xhr = details as { getResponseHeader?: (name: string) => string | null } | null
  return typeof xhr?.getResponseHeader === 'function' && xhr.getResponseHeader(WORKER_HEADER) !== null
}

/**
 * hls.js loaders that route a player through the page client without a service worker:
 * `pLoader` hands the magnets of every media playlist to the client (it joins the swarms at once), `fLoader`
 * asks the client for each segment and falls back to hls.js's own loader for anything the client does not know.
 * `baseLoader` is the player's own default loader class (`Hls.DefaultConfig.loader`), so no second copy of
 * hls.js is bundled.
 */
export function createLoaders(
  baseLoader: LoaderClass<LoaderContext>,
  deps: LoaderDeps,
): { pLoader: LoaderClass<PlaylistLoaderContext>; fLoader: LoaderClass<FragmentLoaderContext> } {
  const routesSegments = deps.routesSegments ?? (() => true)
  class PlaylistLoader extends (baseLoader as LoaderClass<PlaylistLoaderContext>) {
    override load(context: PlaylistLoaderContext, config: LoaderConfiguration, callbacks: LoaderCallbacks<PlaylistLoaderContext>): void {
      super.load(context, config, {
        ...callbacks,
        onSuccess: (response, stats, ctx, details) => {
          if (!answeredByWorker(details) && typeof response.data === 'string' && response.data.includes(MAGNET_TAG)) {
            const playlistUrl = response.url || ctx.url
            deps.client.announce(playlistUrl, readPlaylistMagnets(response.data, playlistUrl), readMeshShards(response.data))
          }
          callbacks.onSuccess(response, stats, ctx, details)
        },
      })
    }
  }

  class FragmentLoader extends (baseLoader as LoaderClass<FragmentLoaderContext>) {
    private aborted = false

    override load(context: FragmentLoaderContext, config: LoaderConfiguration, callbacks: LoaderCallbacks<FragmentLoaderContext>): void {
      const key = fragmentKey(context)
      if (!routesSegments() || !deps.client.answers(key)) return this.loadOverHttp(key, context, config, callbacks)
      this.aborted = false
      // hls.js's own load() refuses to run on a loader whose stats show a start, so the fallback to it below
      // needs this loader's stats untouched until the P2P path has delivered.
      const started = performance.now()
      deps.client
        .deliver(key, deps.bufferAheadMs())
        .then((delivered) => {
          if (this.aborted) return
          if (!delivered) return this.loadOverHttp(key, context, config, callbacks)
          const data = delivered.bytes.buffer.slice(delivered.bytes.byteOffset, delivered.bytes.byteOffset + delivered.bytes.byteLength)
          this.context = context
          markLoaded(this.stats, started, data.byteLength, delivered.httpEquivalent)
          callbacks.onSuccess({ url: context.url, data }, this.stats, context, null)
        })
        .catch((err: unknown) => {
          if (this.aborted) return
          console.warn('live-torrent: P2P delivery failed, loading over HTTP', err)
          this.loadOverHttp(key, context, config, callbacks)
        })
    }

    /** hls.js's own load; unless the worker answered it (and reported it), the bytes go to the page client too. */
    private loadOverHttp(
      key: string,
      context: FragmentLoaderContext,
      config: LoaderConfiguration,
      callbacks: LoaderCallbacks<FragmentLoaderContext>,
    ): void {
      const started = performance.now()
      super.load(context, config, {
        ...callbacks,
        onSuccess: (response, stats, ctx, details) => {
          // A copy: hls.js hands the buffer on to its transmux worker (a transfer) after this callback.
          if (response.data instanceof ArrayBuffer && !answeredByWorker(details)) {
            const { start, first, end } = stats.loading
            const timing = start > 0 && first >= start && end >= first ? { startedAt: start, firstByteAt: first, endedAt: end } : undefined
            deps.client.fetchedElsewhere(key, new Uint8Array(response.data.slice(0)), performance.now() - started, timing)
          }
          callbacks.onSuccess(response, stats, ctx, details)
        },
      })
    }

    override abort(): void {
      this.aborted = true
      this.stats.aborted = true
      super.abort()
    }
  }

  return { pLoader: PlaylistLoader, fLoader: FragmentLoader }
}

/** The key the page client files a fragment under: its URL, plus its byte range (hls.js's end is exclusive). */
function fragmentKey(context: FragmentLoaderContext): string {
  const start = context.rangeStart
  const end = context.rangeEnd
  if (start === undefined || end === undefined || end <= start) return segmentKey(context.url)
  return segmentKey(context.url, { offset: start, length: end - start })
}

/**
 * The load's timing as hls.js reads it for its bandwidth estimate (time to first byte, then bytes over time): what
 * plain HTTP of these bytes takes on this connection, measured by the page client. The real timing would be
 * wrong both ways: a wait for peers looks like a slow network and pushes hls.js to a lower rendition, and a
 * segment already complete from peers looks infinitely fast. Before any HTTP fetch was timed, the real one.
 */
function markLoaded(stats: LoaderStats, started: number, bytes: number, http: DeliveredSegment['httpEquivalent']): void {
  const now = performance.now()
  stats.loading.start = http ? now - http.firstByteMs - http.transferMs : started
  stats.loading.first = http ? now - http.transferMs : now
  stats.loading.end = now
  stats.loaded = bytes
  stats.total = bytes
  stats.chunkCount = 1
}
