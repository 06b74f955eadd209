import { SingleBar, Presets } from 'cli-progress'
import { createLogger } from './logger.js'
import type { LowLatencyMode } from '../origin/low-latency/tags.js'
import { Origin } from '../origin/origin.js'
import type { SegmentsAt } from '../origin/rendition.js'
import { describeSource, resolveSource } from '../origin/sources/resolve.js'

export interface ServeFlags {
  port: number
  host: string
  publicUrl?: string
  window: number
  loop: boolean
  /** Extra tracker URLs for every magnet. */
  trackers: string[]
  /** Run the built-in tracker. */
  builtinTracker: boolean
  cors: string
  ffmpeg?: string
  /** Mesh shards, each with its trackers. */
  shard?: string[][]
  /** Privacy: relay WebRTC offers only in swarms of at least this many viewers. */
  minSwarm: number
  lowLatency: LowLatencyMode
  segments: SegmentsAt
}

/** `live-torrent serve`: starts an origin, prints where to watch it, stops cleanly on Ctrl-C. */
export async function serve(source: string | undefined, flags: ServeFlags): Promise<void> {
  const logger = createLogger()
  // A live origin keeps serving what it can: a stray rejection is logged, never fatal.
  process.on('unhandledRejection', (reason) => logger.error({ err: String(reason) }, 'unhandled rejection'))
  const progress = new ProgressBar()
  let origin: Origin
  try {
    const spec = await resolveSource(source)
    logger.info(`serving ${describeSource(spec)}`)
    origin = await Origin.start(
      spec,
      {
        port: flags.port,
        host: flags.host,
        publicUrl: flags.publicUrl,
        windowSegments: flags.window,
        loop: flags.loop,
        builtinTracker: flags.builtinTracker,
        trackers: flags.trackers,
        shards: flags.shard ?? [],
        cors: flags.cors,
        ffmpegPath: flags.ffmpeg,
        tracker: { minSwarm: flags.minSwarm },
        lowLatency: flags.lowLatency,
        segmentsAt: flags.segments,
      },
      { logger, onProgress: (done, total) => progress.update(done, total) },
    )
  } catch (err) {
    progress.stop()
    process.stderr.write(`live-torrent: ${(err as Error).message}\n`)
    process.exit(1)
  }
  progress.stop()
  process.stdout.write(
    `\n  Player page:  ${origin.pageUrl}\n  Playlist:     ${origin.playlistUrl}\n  Metrics:      ${new URL('metrics', origin.url).href}\n  Dashboard:    ${new URL('dashboard', origin.url).href}\n\n`,
  )
  const shutdown = (): void => {
    logger.info('stopping')
    void origin.stop().finally(() => process.exit(0))
  }
  process.once('SIGINT', shutdown)
  process.once('SIGTERM', shutdown)
}

/** A progress bar on stderr while many segments are hashed (a VOD), silent for the few of a live start. */
class ProgressBar {
  private bar: SingleBar | null = null

  update(done: number, total: number): void {
    if (!process.stderr.isTTY || total < 10) return
    if (!this.bar) {
      this.bar = new SingleBar({ format: 'hashing segments [{bar}] {value}/{total}', stream: process.stderr }, Presets.shades_classic)
      this.bar.start(total, 0)
    }
    this.bar.setTotal(total)
    this.bar.update(done)
  }

  stop(): void {
    this.bar?.stop()
    this.bar = null
  }
}
