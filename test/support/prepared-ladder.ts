// The live ladder of ladder.ts, encoded ahead and published on the live schedule. ffmpeg encodes the whole stream
// as fast as it can before the test starts; then segments appear one every segment duration, each rendition's
// playlist a sliding window, as a live packager writes them. The browser tests use this one: a real-time
// encode of three renditions competes with the players for the two cores, and on a loaded machine it fell behind
// real time, so that every viewer, plain hls.js too, stalled for segments that were late at the source.
import { spawn } from 'node:child_process'
import { copyFile, mkdir, mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Parser } from 'm3u8-parser'
import { findFfmpeg } from '../../src/origin/sources/ffmpeg.js'
import { ladderArgs, listedSegments, type LiveLadder, type Rendition } from './ladder.js'

export interface PreparedLadderOptions {
  /** Seconds of stream encoded ahead: the stream ends (exitReason says so) once they are all published. */
  seconds: number
  /** Segments listed at once, as if the stream had been live before the test. */
  initialSegments?: number
  /** Segments in each live playlist. */
  windowSegments?: number
}

interface PreparedStream {
  /** The folder name: a rendition's name, or the audio group's. */
  name: string
  segments: { uri: string; duration: number }[]
}

/** Segments that stay on disk after leaving the window, for players still loading them (RFC 8216 6.2.2). */
const GRACE_SEGMENTS = 4

async function encodeAhead(dir: string, renditions: readonly Rendition[], segmentSeconds: number, seconds: number): Promise<void> {
  const child = spawn(await findFfmpeg(process.env.FFMPEG_PATH), ladderArgs(renditions, segmentSeconds, seconds), {
    cwd: dir,
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  let stderr = ''
  child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString('utf8')).slice(-4000)))
  await new Promise<void>((resolve, reject) => {
    child.once('error', (err) => reject(new Error(`ffmpeg failed: ${err.message}`)))
    child.once('close', (code) => (code === 0 ? resolve() : reject(new Error(`ffmpeg exit ${code}: ${stderr.trim()}`))))
  })
}

async function readPrepared(dir: string): Promise<PreparedStream[]> {
  const folders = (await readdir(dir, { withFileTypes: true })).filter((entry) => entry.isDirectory())
  return Promise.all(
    folders.map(async (folder) => {
      const parser = new Parser()
      parser.push(await readFile(join(dir, folder.name, 'index.m3u8'), 'utf8'))
      parser.end()
      const segments = parser.manifest.segments.map((segment) => ({ uri: segment.uri, duration: segment.duration }))
      return { name: folder.name, segments }
    }),
  )
}

function livePlaylist(stream: PreparedStream, first: number, end: number): string {
  const listed = stream.segments.slice(first, end)
  const target = Math.ceil(Math.max(...stream.segments.map((segment) => segment.duration)))
  const lines = ['#EXTM3U', '#EXT-X-VERSION:3', `#EXT-X-TARGETDURATION:${target}`, `#EXT-X-MEDIA-SEQUENCE:${first}`]
  for (const segment of listed) lines.push(`#EXTINF:${segment.duration.toFixed(6)},`, segment.uri)
  return `${lines.join('\n')}\n`
}

/** Encodes `options.seconds` of the ladder, then publishes it in `dir` on the live schedule until stop(). */
export async function startPreparedLadder(
  dir: string,
  renditions: readonly Rendition[],
  segmentSeconds: number,
  options: PreparedLadderOptions,
): Promise<LiveLadder> {
  const prepared = await mkdtemp(join(tmpdir(), 'lt-ladder-prepared-'))
  try {
    for (const rendition of [...renditions.map((r) => r.name), 'audio']) await mkdir(join(prepared, rendition))
    await encodeAhead(prepared, renditions, segmentSeconds, options.seconds)
    const streams = await readPrepared(prepared)
    await mkdir(dir, { recursive: true })
    for (const stream of streams) await mkdir(join(dir, stream.name), { recursive: true })
    return new Publisher(dir, prepared, streams, segmentSeconds, options).start()
  } catch (err) {
    await rm(prepared, { recursive: true, force: true })
    throw err
  }
}

class Publisher implements LiveLadder {
  readonly masterPath: string
  private published: number
  private reason: string | null = null
  private timer: NodeJS.Timeout | null = null
  private writing: Promise<void> = Promise.resolve()
  private readonly window: number
  private readonly total: number
  private readonly initialSegments: number
  private startedAt = 0

  constructor(
    readonly dir: string,
    private readonly prepared: string,
    private readonly streams: PreparedStream[],
    private readonly segmentSeconds: number,
    options: PreparedLadderOptions,
  ) {
    this.masterPath = join(dir, 'master.m3u8')
    this.initialSegments = options.initialSegments ?? 3
    this.published = this.initialSegments
    this.window = options.windowSegments ?? 10
    this.total = Math.min(...streams.map((stream) => stream.segments.length))
  }

  async start(): Promise<this> {
    for (let index = 0; index < this.published; index++) await this.publishSegment(index)
    await this.writePlaylists()
    await copyFile(join(this.prepared, 'master.m3u8'), this.masterPath)
    this.startedAt = Date.now()
    this.schedule()
    return this
  }

  exitReason(): string | null {
    return this.reason
  }

  async segmentsListed(rendition: string): Promise<number> {
    if (this.reason) throw new Error(this.reason)
    return listedSegments(join(this.dir, rendition, 'index.m3u8'))
  }

  async stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
    this.reason ??= 'stopped'
    await this.writing
    await rm(this.prepared, { recursive: true, force: true })
  }

  /** One segment every segment duration, timed from the start so that a late timer does not shift the rest. */
  private schedule(): void {
    if (this.reason) return
    const due = this.startedAt + (this.published - this.initialSegments + 1) * this.segmentSeconds * 1000
    this.timer = setTimeout(
      () => {
        this.writing = this.publishNext().then(
          () => this.schedule(),
          (err: Error) => {
            this.reason = `the prepared ladder failed to publish: ${err.message}`
          },
        )
      },
      Math.max(0, due - Date.now()),
    )
  }

  private async publishNext(): Promise<void> {
    if (this.published >= this.total) {
      this.reason = `the prepared ladder ran out: all ${this.total} segments published`
      return
    }
    await this.publishSegment(this.published)
    this.published++
    await this.writePlaylists()
    await this.removeOld()
  }

  private async publishSegment(index: number): Promise<void> {
    for (const stream of this.streams) {
      const uri = stream.segments[index]!.uri
      const target = join(this.dir, stream.name, uri)
      await copyFile(join(this.prepared, stream.name, uri), `${target}.tmp`)
      await rename(`${target}.tmp`, target)
    }
  }

  private async writePlaylists(): Promise<void> {
    const first = Math.max(0, this.published - this.window)
    for (const stream of this.streams) {
      const path = join(this.dir, stream.name, 'index.m3u8')
      await writeFile(`${path}.tmp`, livePlaylist(stream, first, this.published))
      await rename(`${path}.tmp`, path)
    }
  }

  private async removeOld(): Promise<void> {
    const gone = this.published - this.window - GRACE_SEGMENTS - 1
    if (gone < 0) return
    for (const stream of this.streams) await rm(join(this.dir, stream.name, stream.segments[gone]!.uri), { force: true })
  }
}
