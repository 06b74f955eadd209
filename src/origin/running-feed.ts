import chokidar, { type FSWatcher } from 'chokidar'
import type { OriginConfig } from './config.js'
import type { OriginContext } from './context.js'
import { Feed } from './feed.js'
import { openSource, type OpenedSource } from './sources/open-source.js'
import type { SourceSpec } from './sources/resolve.js'

/** A source opened and its feed ingesting, as the origin serves it and the packager writes it out. */
export class RunningFeed {
  private constructor(
    readonly feed: Feed,
    private readonly source: OpenedSource,
    private readonly watcher: FSWatcher | null,
  ) {}

  /** Opens the source and starts the feed. Throws with a clear message when either is unusable. */
  static async start(ctx: OriginContext, spec: SourceSpec, config: OriginConfig): Promise<RunningFeed> {
    const source = await openSource(spec, {
      loop: config.loop,
      windowSegments: config.windowSegments,
      ffmpegPath: config.ffmpegPath,
      logger: ctx.logger,
    })
    try {
      if (config.segmentsAt === 'upstream' && !/^https?:/.test(source.entryUrl))
        throw new Error('segments can stay upstream only for an http(s) source: viewers cannot fetch a local file')
      const feed = new Feed(ctx, {
        entryUrl: source.entryUrl,
        loop: source.loop,
        windowSegments: config.windowSegments,
        segmentAttempts: config.segmentAttempts,
        fetchConcurrency: config.fetchConcurrency,
        lowLatency: config.lowLatency,
        segmentsAt: config.segmentsAt,
      })
      await feed.start()
      const watcher = source.watchDir ? watchFolder(source.watchDir, () => feed.poke()) : null
      return new RunningFeed(feed, source, watcher)
    } catch (err) {
      await source.close()
      throw err
    }
  }

  async stop(): Promise<void> {
    this.feed.stop()
    await this.watcher?.close()
    await this.source.close()
  }
}

/** Packagers rewrite their playlist when a segment is complete: re-read at once rather than at the next poll. */
function watchFolder(dir: string, onChange: () => void): FSWatcher {
  const watcher = chokidar.watch(dir, { depth: 2, ignoreInitial: true })
  watcher.on('all', (_event, path) => path.endsWith('.m3u8') && onChange())
  watcher.on('error', () => {}) // polling carries on regardless
  return watcher
}
