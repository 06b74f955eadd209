import { resolve } from 'node:path'
import { commandLogger, startOrExit, stopOnSignals } from './lifecycle.js'
import { Packager } from '../origin/package/packager.js'
import type { SegmentsAt } from '../origin/rendition.js'
import { describeSource, resolveSource } from '../origin/sources/resolve.js'

export interface PackageFlags {
  publicUrl: string
  window: number
  loop: boolean
  /** Tracker URLs for every magnet (and the mesh, without shards). */
  trackers: string[]
  shard?: string[][]
  ffmpeg?: string
  segments: SegmentsAt
}

/**
 * `live-torrent package`: writes the P2P-ready feed into a directory for any static server or CDN. A finished
 * (VOD) source ends the command once written; a live one keeps the output up to date until Ctrl-C.
 */
export async function packageFeed(source: string | undefined, outDir: string, flags: PackageFlags): Promise<void> {
  const logger = commandLogger()
  const packager = await startOrExit(async () => {
    const spec = await resolveSource(source)
    logger.info(`packaging ${describeSource(spec)} into ${resolve(outDir)}`)
    return Packager.start(
      spec,
      { outDir: resolve(outDir), publicUrl: flags.publicUrl },
      {
        windowSegments: flags.window,
        loop: flags.loop,
        trackers: flags.trackers,
        shards: flags.shard ?? [],
        ffmpegPath: flags.ffmpeg,
        segmentsAt: flags.segments,
      },
      { logger },
    )
  })
  stopOnSignals(logger, () => packager.stop())
  await packager.done
  logger.info('the finished feed is written')
  await packager.stop()
}
