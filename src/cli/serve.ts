import { SingleBar, Presets } from 'cli-progress'
import { commandLogger, startOrExit, stopOnSignals } from './lifecycle.js'
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
  const logger = commandLogger()
  const progress = new ProgressBar()
  const origin = await startOrExit(
    async () => {
      const spec = await resolveSource(source)
      logger.info(`serving ${describeSource(spec)}`)
      return Origin.start(
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
    },
    () => progress.stop(),
  )
  progress.stop()
  process.stdout.write(
    `\n  Player page:  ${origin.pageUrl}\n  Playlist:     ${origin.playlistUrl}\n  Metrics:      ${new URL('metrics', origin.url).href}\n  Dashboard:    ${new URL('dashboard', origin.url).href}\n\n`,
  )
  stopOnSignals(logger, () => origin.stop())
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
