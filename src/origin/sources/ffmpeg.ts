// Turns a video file into a live HLS stream by running ffmpeg, so the origin can watch
// the output folder exactly as it would watch any other live packager.
import { spawn } from 'node:child_process'
import { constants as fsConstants } from 'node:fs'
import { access, stat } from 'node:fs/promises'
import { delimiter, join } from 'node:path'

export class FfmpegMissingError extends Error {
  constructor(detail?: string) {
    super(
      `ffmpeg was not found${detail ? ` (${detail})` : ' on PATH'}. Install it ` +
        '(Debian/Ubuntu: `apt-get install -y ffmpeg`, macOS: `brew install ffmpeg`) or pass --ffmpeg PATH',
    )
    this.name = 'FfmpegMissingError'
  }
}

async function isExecutableFile(path: string): Promise<boolean> {
  try {
    await access(path, fsConstants.X_OK)
    return (await stat(path)).isFile()
  } catch {
    return false
  }
}

/** Resolves the ffmpeg binary: the explicit path if given (no fallback, so a typo is not hidden), else PATH. */
export async function findFfmpeg(explicitPath?: string): Promise<string> {
  if (explicitPath) {
    if (await isExecutableFile(explicitPath)) return explicitPath
    throw new FfmpegMissingError(`no executable at ${explicitPath}`)
  }
  const names = process.platform === 'win32' ? ['ffmpeg.exe', 'ffmpeg'] : ['ffmpeg']
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue
    for (const name of names) {
      const candidate = join(dir, name)
      if (await isExecutableFile(candidate)) return candidate
    }
  }
  throw new FfmpegMissingError()
}

export interface FfmpegExit {
  code: number | null
  signal: string | null
  stderrTail: string
}

export interface FfmpegProcess {
  readonly playlistPath: string
  /** Resolves when ffmpeg ends; rejects with FfmpegMissingError if the binary could not be started. */
  readonly exited: Promise<FfmpegExit>
  /** SIGTERM (ffmpeg then finishes the current segment and playlist), SIGKILL after 3 s. */
  stop(): Promise<void>
}

export interface FileToHlsOptions {
  input: string
  outDir: string
  /** Target segment length; also the forced keyframe interval when transcoding. Default 4. */
  segmentSeconds?: number
  ffmpegPath?: string
  /** Default true: loop the file forever so it plays as an endless live stream. */
  loop?: boolean
  /** Default true: re-encode to H.264/AAC with a keyframe every segmentSeconds; false = -c copy. */
  transcode?: boolean
  /** Playlist entries ffmpeg keeps; 0 (default) keeps all and never deletes segments. */
  listSize?: number
  onLog?: (line: string) => void
}

const STDERR_TAIL_LINES = 20
const KILL_AFTER_MS = 3000

function codecArgs(transcode: boolean, segmentSeconds: number): string[] {
  if (!transcode) return ['-c', 'copy']
  return [
    '-c:v',
    'libx264',
    '-preset',
    'veryfast',
    '-pix_fmt',
    'yuv420p',
    // Keyframes by time, not frame count, so the GOP matches the segment length whatever the input fps.
    '-force_key_frames',
    `expr:gte(t,n_forced*${segmentSeconds})`,
    '-sc_threshold',
    '0',
    '-c:a',
    'aac',
    '-ac',
    '2',
    '-ar',
    '48000',
  ]
}

function hlsFlags(listSize: number, transcode: boolean): string {
  // temp_file: segments and playlist are written as *.tmp and renamed when complete,
  // so a watcher never picks up a half-written segment.
  const flags = ['temp_file']
  if (listSize > 0) flags.push('delete_segments')
  // Only true when we placed the keyframes ourselves; with -c copy it depends on the source.
  if (transcode) flags.push('independent_segments')
  return flags.join('+')
}

export function fileToHlsArgs(opts: FileToHlsOptions): string[] {
  const segmentSeconds = opts.segmentSeconds ?? 4
  const transcode = opts.transcode ?? true
  const listSize = opts.listSize ?? 0
  return [
    '-hide_banner',
    '-nostdin',
    '-nostats',
    '-loglevel',
    'warning',
    '-re',
    ...((opts.loop ?? true) ? ['-stream_loop', '-1'] : []),
    '-i',
    opts.input,
    // '?' keeps video-only and audio-only files working.
    '-map',
    '0:v:0?',
    '-map',
    '0:a:0?',
    ...codecArgs(transcode, segmentSeconds),
    '-f',
    'hls',
    '-hls_time',
    String(segmentSeconds),
    '-hls_list_size',
    String(listSize),
    '-hls_flags',
    hlsFlags(listSize, transcode),
    '-hls_segment_filename',
    join(opts.outDir, 'seg%d.ts'),
    join(opts.outDir, 'index.m3u8'),
  ]
}

function lineSplitter(onLine: (line: string) => void): (chunk: Buffer) => void {
  let pending = ''
  return (chunk) => {
    const lines = (pending + chunk.toString('utf8')).split(/\r?\n|\r/)
    pending = lines.pop() ?? ''
    for (const line of lines) if (line.trim()) onLine(line)
  }
}

export function startFileToHls(opts: FileToHlsOptions): FfmpegProcess {
  const playlistPath = join(opts.outDir, 'index.m3u8')
  const ffmpegPath = opts.ffmpegPath ?? 'ffmpeg'
  const child = spawn(ffmpegPath, fileToHlsArgs(opts), { stdio: ['ignore', 'ignore', 'pipe'] })
  const tail: string[] = []
  child.stderr.on(
    'data',
    lineSplitter((line) => {
      tail.push(line)
      if (tail.length > STDERR_TAIL_LINES) tail.shift()
      opts.onLog?.(line)
    }),
  )

  const exited = new Promise<FfmpegExit>((resolve, reject) => {
    child.once('error', (err: NodeJS.ErrnoException) => {
      reject(err.code === 'ENOENT' ? new FfmpegMissingError(`could not run ${ffmpegPath}`) : err)
    })
    child.once('close', (code, signal) => resolve({ code, signal, stderrTail: tail.join('\n') }))
  })
  // Callers that only ever call stop() must not crash the process with an unhandled rejection.
  exited.catch(() => {})

  let stopping: Promise<void> | undefined
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), KILL_AFTER_MS)
      try {
        await exited.catch(() => undefined)
      } finally {
        clearTimeout(timer)
      }
    })()
    return stopping
  }

  return { playlistPath, exited, stop }
}

/** Fails fast, with a readable message, on input that ffmpeg cannot read as video. */
export async function probeInput(ffmpegPath: string, input: string): Promise<void> {
  const args = ['-hide_banner', '-nostdin', '-loglevel', 'error', '-i', input, '-map', '0:v:0', '-t', '0', '-f', 'null', '-']
  const child = spawn(ffmpegPath, args, { stdio: ['ignore', 'ignore', 'pipe'] })
  let stderr = ''
  child.stderr.on('data', (chunk: Buffer) => {
    if (stderr.length < 8192) stderr += chunk.toString('utf8')
  })
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', (err: NodeJS.ErrnoException) => {
      reject(err.code === 'ENOENT' ? new FfmpegMissingError(`could not run ${ffmpegPath}`) : err)
    })
    child.once('close', (c) => resolve(c))
  })
  if (code === 0) return
  // ffmpeg states the cause first; later lines are hints such as "To ignore this, add a trailing '?'".
  const reason = stderr.split(/\r?\n/).find((l) => l.trim()) ?? `ffmpeg exited with code ${code}`
  throw new Error(`${input} is not a video file ffmpeg can read: ${reason.trim()}`)
}
