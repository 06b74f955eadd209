import { basename } from 'node:path'
import type { OriginContext } from '../context.js'
import { parseMediaPlaylist, type MediaPlaylist } from '../playlist/parse.js'
import type { Rendition } from '../rendition.js'
import { SegmentLoader, stateTags, type LoadedSegment } from './segment-loader.js'

export interface LoopOptions {
  windowSegments: number
  fetchConcurrency: number
}

/**
 * Turns a finished (VOD) playlist into an endless live stream: every segment is hashed once up front, then
 * republished in a cycle at real-time pace, under new, ever-growing media sequence numbers, with an
 * EXT-X-DISCONTINUITY at each wrap. The same bytes keep the same infohash, so a swarm outlives a cycle.
 */
export class LoopIngest {
  private items: Array<LoadedSegment & { mapLine?: string; keyLine?: string }> = []
  private nextSequence = 0
  private cursor = 0
  private cycle = 0
  private timer: NodeJS.Timeout | null = null
  private nextDueMs = 0

  constructor(
    private readonly ctx: OriginContext,
    private readonly rendition: Rendition,
    private readonly options: LoopOptions,
  ) {}

  /** Reads and hashes the whole playlist. */
  async prepare(): Promise<void> {
    const { text, url } = await this.ctx.upstream.playlist(this.rendition.upstreamUrl)
    this.rendition.baseUrl = url
    const doc = parseMediaPlaylist(text, url)
    if (doc.segments.length === 0) throw new Error(`${url}: nothing to loop, the playlist lists no segment`)
    this.rendition.window.setMaxSegments(this.options.windowSegments)
    // PLAYLIST-TYPE:VOD would be a lie once the playlist slides.
    this.rendition.setHeader(doc, false, ['EXT-X-PLAYLIST-TYPE'])
    this.items = await this.loadAll(doc)
  }

  private async loadAll(doc: MediaPlaylist): Promise<LoopIngest['items']> {
    const loader = new SegmentLoader(this.ctx, this.options.fetchConcurrency)
    const states = stateTags(doc.segments)
    let done = 0
    const path = this.rendition.playlistPath
    return Promise.all(
      doc.segments.map(async (segment, index) => {
        const name = basename(new URL(segment.url).pathname) || `segment${index}`
        const loaded = await loader.load(segment, name, `${path}#loop${index}`)
        this.ctx.onProgress(++done, doc.segments.length)
        return { ...loaded, ...states[index] }
      }),
    )
  }

  /** Fills the window at once (so a player can start right away), then adds one segment per segment duration. */
  start(): void {
    const prefill = Math.min(this.options.windowSegments, Math.max(1, this.items.length))
    for (let i = 0; i < prefill; i++) this.publishNext()
    this.nextDueMs = Date.now() + this.lastDuration() * 1000
    this.schedule()
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
  }

  private schedule(): void {
    this.timer = setTimeout(
      () => {
        this.publishNext()
        // Due times add up from the start, so timer lateness never accumulates into drift.
        this.nextDueMs += this.lastDuration() * 1000
        this.schedule()
      },
      Math.max(0, this.nextDueMs - Date.now()),
    )
  }

  private lastDuration(): number {
    return this.rendition.window.segments.at(-1)?.duration ?? 1
  }

  private publishNext(): void {
    const item = this.items[this.cursor]!
    const wrapped = this.cursor === 0 && this.cycle > 0
    const upstream = { ...item.upstream, tags: item.upstream.tags.filter((tag) => tag.name !== 'EXT-X-PROGRAM-DATE-TIME') }
    this.rendition.publish(
      this.rendition.toPublished({
        upstream,
        sequence: this.nextSequence++,
        torrent: item.torrent,
        mapLine: item.mapLine,
        keyLine: item.keyLine,
        discontinuity: wrapped || item.upstream.discontinuity,
        bodyKey: item.bodyKey,
        keepBody: true,
      }),
    )
    this.ctx.metrics.playlistUpdates.inc()
    this.cursor = (this.cursor + 1) % this.items.length
    if (this.cursor === 0) this.cycle++
  }
}
