import { basename } from 'node:path'
import type { OriginContext } from '../context.js'
import { attribute } from '../playlist/lines.js'
import { parseMediaPlaylist, type MediaPlaylist, type UpstreamSegment } from '../playlist/parse.js'
import type { Rendition } from '../rendition.js'
import { Backoff } from './backoff.js'
import { SegmentLoader, stateTags, type LoadedSegment } from './segment-loader.js'

export interface IngestOptions {
  /** Segments kept in a live playlist. */
  windowSegments: number
  /** Failed reads of one segment before it is skipped (with a discontinuity). */
  segmentAttempts: number
  /** Concurrent segment downloads from the upstream. */
  fetchConcurrency: number
}

let bodyIds = 0
/** Reloads of one upstream playlist at most this often (ms). */
const MIN_RELOAD_MS = 250
/** The same for an LL-HLS upstream that does not block: parts are a fraction of a second long. */
const MIN_PART_RELOAD_MS = 100

/**
 * Follows one upstream media playlist (a file a packager rewrites, or a remote URL) and publishes its segments,
 * hashed, in order, into a rendition. Live playlists are re-read at the target-duration cadence (half of it when
 * nothing changed, RFC 8216 6.3.4); failures back off and the last good playlist keeps being served.
 */
export class PlaylistIngest {
  private readonly loader: SegmentLoader
  /** The last upstream segment published or given up on; the LL edge starts after it. */
  private get lastUpstream(): { sequence: number; id: string } | null {
    return this.last
  }

  private set lastUpstream(value: { sequence: number; id: string }) {
    this.last = value
    this.rendition.lowLatency.passed(value.sequence)
  }

  private readonly backoff = new Backoff()
  private readonly pending = new Map<number, Promise<LoadedSegment | Error>>()
  private readonly failures = new Map<number, number>()
  private lastText = ''
  private headerKey = ''
  private last: { sequence: number; id: string } | null = null
  /** The upstream holds `_HLS_msn`/`_HLS_part` reloads until that part exists (RFC 8216bis 6.2.5.2). */
  private upstreamBlocks = false
  /** Where the next blocking reload asks the upstream to wait for, when it blocks and serves parts. */
  private nextPart: { msn: number; part: number } | null = null
  /** The last reload got a playlist other than the one before. */
  private textChanged = false
  private nextSequence: number | null = null
  private forceDiscontinuity = false
  private targetDuration = 2
  private timer: NodeJS.Timeout | null = null
  private stopped = false
  private vod = false
  private resolveReady!: () => void
  /** Resolves when the rendition can be served: first segment of a live feed, or the whole of a VOD. */
  readonly ready = new Promise<void>((resolve) => (this.resolveReady = resolve))

  constructor(
    private readonly ctx: OriginContext,
    private readonly rendition: Rendition,
    private readonly options: IngestOptions,
  ) {
    this.loader = new SegmentLoader(ctx, options.fetchConcurrency)
  }

  start(): void {
    this.schedule(0)
  }

  /** Re-reads the playlist soon: a watcher saw it change. */
  poke(): void {
    if (!this.stopped && !this.backoff.failing && !this.rendition.window.isEnded) this.schedule(50)
  }

  stop(): void {
    this.stopped = true
    if (this.timer) clearTimeout(this.timer)
  }

  private schedule(delayMs: number): void {
    if (this.timer) clearTimeout(this.timer)
    this.timer = setTimeout(() => void this.tick(), delayMs)
  }

  private running = false

  private async tick(): Promise<void> {
    if (this.running || this.stopped) return
    this.running = true
    let delay: number
    try {
      const changed = await this.refresh()
      this.backoff.succeed()
      delay = this.reloadDelayMs(changed)
    } catch (err) {
      delay = this.backoff.fail()
      this.ctx.metrics.upstreamError('playlist')
      this.ctx.logger.error({ url: this.rendition.upstreamUrl, retryInMs: delay }, `upstream playlist failed: ${(err as Error).message}`)
    } finally {
      this.running = false
    }
    if (!this.stopped && !this.rendition.window.isEnded) this.schedule(delay)
  }

  /**
   * A plain upstream is re-read every target duration, half of it when nothing changed (RFC 8216 6.3.4), and never
   * faster than MIN_RELOAD_MS, so that a tiny target duration cannot turn the reloads into a busy loop. An LL-HLS
   * upstream that blocks is asked again at once (it answers when the next part exists); one that does not is polled
   * at half the part target.
   */
  private reloadDelayMs(changed: boolean): number {
    if (this.rendition.lowLatency.servesParts) {
      // A new part is a change here, though it publishes no segment.
      if (this.textChanged && this.upstreamBlocks) return 0
      return Math.max(MIN_PART_RELOAD_MS, (this.rendition.lowLatency.partTarget / 2) * 1000)
    }
    return Math.max(MIN_RELOAD_MS, (changed ? this.targetDuration : this.targetDuration / 2) * 1000)
  }

  private reloadUrl(): string {
    const next = this.upstreamBlocks && this.rendition.lowLatency.servesParts ? this.nextPart : null
    if (!next) return this.rendition.upstreamUrl
    const url = new URL(this.rendition.upstreamUrl)
    url.searchParams.set('_HLS_msn', String(next.msn))
    url.searchParams.set('_HLS_part', String(next.part))
    return url.href
  }

  private async refresh(): Promise<boolean> {
    const { text, url: base } = await this.ctx.upstream.playlist(this.reloadUrl())
    this.textChanged = text !== this.lastText
    if (!this.textChanged && this.failures.size === 0) return false
    this.rendition.baseUrl = base
    const doc = parseMediaPlaylist(text, base)
    this.lastText = text
    if (this.nextSequence === null) this.init(doc)
    else this.updateHeader(doc)
    this.detectRestart(doc)
    this.rendition.lowLatency.observe(doc)
    this.nextPart = nextUpstreamPart(doc)
    const published = await this.ingest(doc)
    this.discardStale(doc)
    if (doc.endList && this.isComplete(doc)) this.finish()
    return published > 0 || doc.endList
  }

  private init(doc: MediaPlaylist): void {
    this.vod = doc.endList
    const window = this.rendition.window
    window.setMaxSegments(this.vod ? null : this.options.windowSegments)
    this.updateHeader(doc)
    const skip = this.vod ? 0 : Math.max(0, doc.segments.length - this.options.windowSegments)
    const skipped = doc.segments.slice(0, skip)
    window.setDiscontinuityBase(doc.discontinuitySequence + skipped.filter((s) => s.discontinuity).length)
    const first = doc.segments[skip]
    this.nextSequence = first ? first.sequence : doc.mediaSequence
    if (skip > 0) this.lastUpstream = { sequence: skipped.at(-1)!.sequence, id: identity(skipped.at(-1)!) }
  }

  /** Packagers may change header tags as they go (ffmpeg raises EXT-X-TARGETDURATION when a segment runs long). */
  private updateHeader(doc: MediaPlaylist): void {
    this.targetDuration = doc.targetDuration
    const header = doc.header.map((tag) => tag.raw)
    const key = header.join('\n')
    if (key === this.headerKey) return
    this.headerKey = key
    const control = doc.header.find((tag) => tag.name === 'EXT-X-SERVER-CONTROL')?.value ?? ''
    // A file cannot hold a request: only an HTTP upstream is asked to block.
    this.upstreamBlocks = attribute(control, 'CAN-BLOCK-RELOAD') === 'YES' && /^https?:/.test(this.rendition.upstreamUrl)
    // A windowed live playlist must not claim to be an EVENT playlist (those never drop segments).
    this.rendition.setHeader(doc, !this.vod, this.vod ? [] : ['EXT-X-PLAYLIST-TYPE'])
  }

  /** A packager restart numbers from 0 again, or a known number names other content: continue after a discontinuity. */
  private detectRestart(doc: MediaPlaylist): void {
    const last = this.lastUpstream
    if (!last || doc.segments.length === 0) return
    const known = doc.segments.find((segment) => segment.sequence === last.sequence)
    const lastInDoc = doc.segments.at(-1)!.sequence
    if (lastInDoc >= last.sequence && (!known || identity(known) === last.id)) return
    this.ctx.logger.warn({ url: doc.url }, 'upstream media sequence went back or changed content: continuing after a discontinuity')
    this.lastUpstream = { sequence: doc.segments[0]!.sequence - 1, id: '' }
    this.discardPending(() => true)
    this.failures.clear()
    this.forceDiscontinuity = true
  }

  /**
   * Forgets loads and failure counts of segments that will never be published: already passed, or gone from the
   * upstream window while an earlier segment was failing. Without this they would stay in memory for good.
   */
  private discardStale(doc: MediaPlaylist): void {
    const listed = new Set(doc.segments.map((segment) => segment.sequence))
    const after = this.lastUpstream?.sequence ?? -Infinity
    const stale = (sequence: number): boolean => sequence <= after || !listed.has(sequence)
    this.discardPending(stale)
    for (const sequence of this.failures.keys()) if (stale(sequence)) this.failures.delete(sequence)
  }

  private discardPending(stale: (sequence: number) => boolean): void {
    for (const [sequence, load] of this.pending) {
      if (!stale(sequence)) continue
      this.pending.delete(sequence)
      void load.then((loaded) => loaded instanceof Error || this.ctx.bodies.delete(loaded.bodyKey))
    }
  }

  private fresh(doc: MediaPlaylist): UpstreamSegment[] {
    const after = this.lastUpstream?.sequence ?? -Infinity
    return doc.segments.filter((segment) => segment.sequence > after)
  }

  /** Loads the new segments concurrently and publishes them strictly in order. Returns how many were published. */
  private async ingest(doc: MediaPlaylist): Promise<number> {
    const fresh = this.fresh(doc)
    const states = stateTags(doc.segments)
    const offset = doc.segments.length - fresh.length
    if (this.lastUpstream && fresh[0] && fresh[0].sequence > this.lastUpstream.sequence + 1) this.forceDiscontinuity = true
    for (const segment of fresh) this.startLoad(segment)
    let published = 0
    for (const [index, segment] of fresh.entries()) {
      const loaded = await this.pending.get(segment.sequence)!
      this.pending.delete(segment.sequence)
      if (loaded instanceof Error) {
        if (!this.giveUp(segment, loaded)) break
        continue
      }
      this.publish(loaded, states[offset + index]!)
      published++
      if (this.vod) this.ctx.onProgress(published, fresh.length)
    }
    return published
  }

  private startLoad(segment: UpstreamSegment): void {
    if (this.pending.has(segment.sequence)) return
    const name = sanitizeName(segment.url)
    const load = this.loader.load(segment, name, `${this.rendition.playlistPath}#${bodyIds++}`)
    this.pending.set(
      segment.sequence,
      load.catch((err: unknown) => (err instanceof Error ? err : new Error(String(err)))),
    )
  }

  /** Counts a failed segment; returns true when it is skipped for good, false to retry at the next refresh. */
  private giveUp(segment: UpstreamSegment, err: Error): boolean {
    this.ctx.metrics.upstreamError('segment')
    const attempts = (this.failures.get(segment.sequence) ?? 0) + 1
    this.failures.set(segment.sequence, attempts)
    const log = { url: segment.url, attempt: attempts }
    if (attempts < this.options.segmentAttempts) {
      this.ctx.logger.warn(log, `segment failed, will retry: ${err.message}`)
      return false
    }
    this.ctx.logger.error(log, `segment skipped after ${attempts} attempts: ${err.message}`)
    this.failures.delete(segment.sequence)
    this.lastUpstream = { sequence: segment.sequence, id: identity(segment) }
    this.forceDiscontinuity = true
    return true
  }

  private publish(loaded: LoadedSegment, state: { mapLine?: string; keyLine?: string }): void {
    const segment = loaded.upstream
    const published = this.rendition.toPublished({
      upstream: segment,
      sequence: this.nextSequence!,
      torrent: loaded.torrent,
      mapLine: state.mapLine,
      keyLine: state.keyLine,
      discontinuity: segment.discontinuity || this.forceDiscontinuity,
      bodyKey: loaded.bodyKey,
    })
    this.nextSequence!++
    this.forceDiscontinuity = false
    this.failures.delete(segment.sequence)
    this.lastUpstream = { sequence: segment.sequence, id: identity(segment) }
    this.rendition.publish(published)
    this.ctx.metrics.playlistUpdates.inc()
    // Resolving again later does nothing: a live rendition is ready from its first segment on.
    if (!this.vod) this.resolveReady()
  }

  private isComplete(doc: MediaPlaylist): boolean {
    const last = doc.segments.at(-1)
    return !last || (this.lastUpstream?.sequence ?? -1) >= last.sequence
  }

  private finish(): void {
    this.rendition.window.end()
    this.ctx.metrics.playlistUpdates.inc()
    this.resolveReady()
  }
}

/** The part after the last one an upstream playlist lists: what a blocking reload waits for. */
function nextUpstreamPart(doc: MediaPlaylist): { msn: number; part: number } {
  const last = doc.segments.at(-1)
  const msn = last ? last.sequence + 1 : doc.mediaSequence
  return { msn, part: doc.trailer.filter((tag) => tag.name === 'EXT-X-PART').length }
}

function identity(segment: UpstreamSegment): string {
  return `${segment.url}@${segment.byteRange?.offset ?? ''}`
}

function sanitizeName(url: string): string {
  const name = basename(new URL(url).pathname).replace(/[^A-Za-z0-9._-]/g, '_')
  return name || 'segment'
}
