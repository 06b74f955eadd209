import type { OriginContext } from './context.js'
import type { Links } from './http/links.js'
import { LoopIngest } from './ingest/loop-ingest.js'
import { PlaylistIngest } from './ingest/playlist-ingest.js'
import { rewriteMaster } from './playlist/master.js'
import { isMasterPlaylist, parseMasterPlaylist, assertHls } from './playlist/parse.js'
import { ProxiedAssets } from './proxied-assets.js'
import { Rendition, type SegmentsAt } from './rendition.js'
import { RenditionReports } from './low-latency/rendition-reports.js'
import type { LowLatencyMode } from './low-latency/tags.js'

export interface FeedOptions {
  /** The entry playlist: a `file:` URL (folder sources) or an `http(s):` URL. */
  entryUrl: string
  /** Serve a finished playlist as an endless live stream. */
  loop: boolean
  windowSegments: number
  segmentAttempts: number
  fetchConcurrency: number
  /** Pass LL-HLS through (`on`) or convert it to plain HLS (`off`). */
  lowLatency: LowLatencyMode
  /** Where viewers fetch segment bytes: the origin, or the upstream they already live on. */
  segmentsAt: SegmentsAt
}

/** The path every feed is served under, master or media. */
export const ENTRY_PATH = 'stream.m3u8'

type Ingest = PlaylistIngest | LoopIngest

/**
 * One served feed: reads the entry playlist, sets up a rendition per media playlist (all variants, alternate
 * renditions, I-frame playlists of a master), and runs their ingests.
 */
export class Feed {
  private readonly renditions: Rendition[] = []
  private readonly ingests: Ingest[] = []
  private readonly renderCache = new WeakMap<Rendition, { key: string; version: string; text: string }>()
  private readonly reports: RenditionReports
  private readyFlag = false
  private resolveReady!: () => void
  /** Resolves when serving may start: every rendition has segments (live) or is fully hashed (VOD). */
  readonly ready = new Promise<void>((resolve) => (this.resolveReady = resolve))
  private masterText: string | null = null

  constructor(
    private readonly ctx: OriginContext,
    private readonly options: FeedOptions,
  ) {
    this.reports = new RenditionReports(this.renditions, ctx.logger)
  }

  /** Reads the entry playlist and starts ingesting. Throws with a clear message when the entry is unusable. */
  async start(): Promise<void> {
    const url = this.options.entryUrl
    const { text, url: base } = await this.ctx.upstream.playlist(url)
    assertHls(text, url)
    if (isMasterPlaylist(text)) this.setUpMaster(text, base)
    else this.addRendition(url, '', ENTRY_PATH)
    const reload = this.masterText === null ? this.renditions[0]!.lowLatency : undefined
    this.ctx.catalog.set(ENTRY_PATH, { kind: 'playlist', render: (links) => this.renderEntry(links), reload })
    await this.startIngests()
  }

  private setUpMaster(text: string, base: string): void {
    const master = parseMasterPlaylist(text, base)
    const assets = new ProxiedAssets('', this.ctx.catalog)
    const { text: rewritten, references } = rewriteMaster(master, (url) => assets.name(url, '.bin'))
    if (references.length === 0) throw new Error(`${this.options.entryUrl}: the master playlist names no media playlist`)
    this.masterText = rewritten
    for (const reference of references) this.addRendition(reference.url, reference.dir, `${reference.dir}index.m3u8`)
  }

  private addRendition(upstreamUrl: string, dir: string, playlistPath: string): void {
    const { catalog } = this.ctx
    const { windowSegments, lowLatency } = this.options
    const rendition = new Rendition(dir, playlistPath, upstreamUrl, windowSegments, catalog, {
      logger: this.ctx.logger,
      lowLatency,
      segmentsAt: this.options.segmentsAt,
    })
    this.renditions.push(rendition)
    if (playlistPath !== ENTRY_PATH) {
      catalog.set(playlistPath, {
        kind: 'playlist',
        render: (links) => (this.readyFlag ? this.renderMedia(rendition, links) : null),
        reload: rendition.lowLatency,
      })
    }
  }

  private async startIngests(): Promise<void> {
    const { windowSegments, fetchConcurrency, segmentAttempts } = this.options
    if (this.options.loop) {
      const loops = this.renditions.map((r) => new LoopIngest(this.ctx, r, { windowSegments, fetchConcurrency }))
      this.ingests.push(...loops)
      await Promise.all(loops.map((loop) => loop.prepare()))
      // Renditions start together so that their live edges stay aligned.
      for (const loop of loops) loop.start()
      this.markReady()
      return
    }
    const ingests = this.renditions.map((r) => new PlaylistIngest(this.ctx, r, { windowSegments, fetchConcurrency, segmentAttempts }))
    this.ingests.push(...ingests)
    for (const ingest of ingests) ingest.start()
    void Promise.all(ingests.map((ingest) => ingest.ready)).then(() => this.markReady())
  }

  private markReady(): void {
    this.readyFlag = true
    this.resolveReady()
    const segments = this.renditions.reduce((sum, r) => sum + r.window.segments.length, 0)
    this.ctx.logger.info({ renditions: this.renditions.length, segments, loop: this.options.loop }, 'feed ready')
  }

  /** A finished feed: ready, and every rendition has its ENDLIST (a live or looped feed never ends). */
  get ended(): boolean {
    return this.readyFlag && this.renditions.every((rendition) => rendition.window.isEnded)
  }

  /** A watched folder changed: re-read playlists now rather than at the next poll. */
  poke(): void {
    for (const ingest of this.ingests) if (ingest instanceof PlaylistIngest) ingest.poke()
  }

  stop(): void {
    for (const ingest of this.ingests) ingest.stop()
  }

  private renderEntry(links: Links): string | null {
    if (!this.readyFlag) return null
    if (this.masterText !== null) return this.masterText
    return this.renderMedia(this.renditions[0]!, links)
  }

  private renderMedia(rendition: Rendition, links: Links): string {
    const cached = this.renderCache.get(rendition)
    const edge = rendition.lowLatency
    // With parts served, rendition reports follow the other renditions' edges too.
    const version = edge.servesParts
      ? `${rendition.window.version}/${this.renditions.map((r) => r.lowLatency.version).join(',')}`
      : String(rendition.window.version)
    if (cached && cached.key === links.key && cached.version === version) return cached.text
    const lowLatency = edge.servesParts
      ? { partHorizonSeconds: 3 * edge.targetDuration, trailer: [...edge.trailerLines(), ...this.reports.lines(rendition)] }
      : undefined
    const text = rendition.window.render((segment) => links.magnetFor(segment), { lowLatency, meshLines: links.meshLines() })
    this.renderCache.set(rendition, { key: links.key, version, text })
    return text
  }
}
