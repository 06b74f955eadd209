import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { pathToFileURL } from 'node:url'
import type { Logger } from 'pino'
import { findFfmpeg, probeInput, startFileToHls } from './ffmpeg.js'
import { waitForEntryPlaylist } from './folder.js'
import { SAMPLE_PLAYLIST, type SourceSpec } from './resolve.js'

/** A source made ready to ingest: the entry playlist URL, and what to watch and clean up. */
export interface OpenedSource {
  entryUrl: string
  loop: boolean
  /** Folder to watch for playlist changes (local sources). */
  watchDir?: string
  close(): Promise<void>
}

export interface OpenOptions {
  loop: boolean
  windowSegments: number
  ffmpegPath?: string
  logger: Logger
}

export async function openSource(spec: SourceSpec, options: OpenOptions): Promise<OpenedSource> {
  const none = async (): Promise<void> => {}
  switch (spec.kind) {
    case 'sample':
      return { entryUrl: pathToFileURL(SAMPLE_PLAYLIST).href, loop: true, watchDir: undefined, close: none }
    case 'remote':
      return { entryUrl: spec.url, loop: options.loop, close: none }
    case 'playlist-file':
      return { entryUrl: pathToFileURL(spec.path).href, loop: options.loop, watchDir: dirname(spec.path), close: none }
    case 'folder': {
      const entry = await waitForEntryPlaylist(spec.dir, options.logger)
      return { entryUrl: pathToFileURL(entry).href, loop: options.loop, watchDir: spec.dir, close: none }
    }
    case 'video':
      return openVideo(spec.path, options)
  }
}

/** A video file becomes a live stream: ffmpeg packages it (looped, real time) into a temporary folder. */
async function openVideo(input: string, options: OpenOptions): Promise<OpenedSource> {
  const ffmpegPath = await findFfmpeg(options.ffmpegPath)
  await probeInput(ffmpegPath, input)
  const outDir = await mkdtemp(join(tmpdir(), 'live-torrent-'))
  const logger = options.logger.child({ ffmpeg: input })
  // ffmpeg keeps a little more than the origin's window on disk and deletes the rest, so days of running stay small.
  const ffmpeg = startFileToHls({ input, outDir, ffmpegPath, loop: true, listSize: options.windowSegments * 2 + 2 })
  let closing = false
  void ffmpeg.exited.then(
    (exit) =>
      !closing && logger.error({ code: exit.code, signal: exit.signal }, `ffmpeg stopped: ${exit.stderrTail.split('\n').at(-1) ?? ''}`),
    (err: Error) => logger.error(err.message),
  )
  const close = async (): Promise<void> => {
    closing = true
    await ffmpeg.stop()
    await rm(outDir, { recursive: true, force: true })
  }
  try {
    const died = ffmpeg.exited.then((exit) => {
      throw new Error(`ffmpeg exited (code ${exit.code}) before writing a playlist: ${exit.stderrTail.split('\n').at(-1) ?? ''}`)
    })
    died.catch(() => {}) // after startup, an exit is reported by the handler above
    const controller = new AbortController()
    const entry = await Promise.race([waitForEntryPlaylist(outDir, logger, controller.signal), died]).finally(() => controller.abort())
    return { entryUrl: pathToFileURL(entry).href, loop: false, watchDir: outDir, close }
  } catch (err) {
    await close()
    throw err
  }
}
