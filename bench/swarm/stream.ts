/**
 * The live stream every mode plays: ffmpeg encodes a lavfi test pattern (testsrc2, moving, so every segment has
 * unique bytes) and a tone in real time to 640x360 H.264 + AAC at about 800 kbit/s, cut into 4 s MPEG-TS segments (or `--segment-seconds`)
 * by its HLS muxer in a temporary folder, which the origin watches like any live packager's output.
 * Measured on the 2-core bench machine: the encoder takes about 9 % of one core (1.8 s CPU per 20 s of stream),
 * so a live encode is cheaper than it looks and keeps every segment unique for as long as the bench runs.
 */
import { spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { findFfmpeg } from '../../src/origin/sources/ffmpeg.js'
import type { SourceSpec } from '../../src/origin/sources/resolve.js'
// The LL-HLS upstream is test material that the LL tests use too.
import { LowLatencyUpstream } from '../../test/support/ll-upstream.js'
import { BENCH_LADDER, listedSegments, startLiveLadder } from '../../test/support/ladder.js'

/** The segment length a run uses unless `--segment-seconds` says otherwise. */
export const DEFAULT_SEGMENT_SECONDS = 4
const FPS = 25

export function streamDescription(segmentSeconds: number): string {
  return `640x360 25 fps H.264 (x264 veryfast, 700 kbit/s) + AAC 64 kbit/s, ${segmentSeconds} s MPEG-TS segments, live (ffmpeg -re)`
}

export interface LiveStream {
  dir: string
  playlistPath: string
  /** Segments the packager has listed so far. */
  segmentsListed(): Promise<number>
  stop(): Promise<void>
}

function ffmpegArgs(segmentSeconds: number): string[] {
  const gop = String(FPS * segmentSeconds)
  return [
    ...['-hide_banner', '-nostdin', '-loglevel', 'error', '-y'],
    ...['-re', '-f', 'lavfi', '-i', `testsrc2=size=640x360:rate=${FPS}`],
    ...['-re', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000'],
    ...['-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p', '-g', gop, '-keyint_min', gop, '-sc_threshold', '0'],
    ...['-b:v', '700k', '-maxrate', '800k', '-bufsize', '1600k'],
    ...['-c:a', 'aac', '-b:a', '64k', '-ac', '2', '-ar', '48000'],
    ...['-f', 'hls', '-hls_time', String(segmentSeconds), '-hls_list_size', '10'],
    ...['-hls_flags', 'temp_file+delete_segments', '-hls_segment_filename', 'seg%d.ts', 'index.m3u8'],
  ]
}

export async function startLiveStream(segmentSeconds = DEFAULT_SEGMENT_SECONDS): Promise<LiveStream> {
  const dir = await mkdtemp(join(tmpdir(), 'lt-bench-stream-'))
  const playlistPath = join(dir, 'index.m3u8')
  const child = spawn(await findFfmpeg(process.env.FFMPEG_PATH), ffmpegArgs(segmentSeconds), {
    cwd: dir,
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  let stderr = ''
  child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString('utf8')).slice(-4000)))
  let exited = false
  const closed = new Promise<void>((resolve) => {
    child.once('close', (code) => {
      exited = true
      if (!stopping) console.error(`bench: ffmpeg stopped unexpectedly (exit ${code}): ${stderr.trim()}`)
      resolve()
    })
    child.once('error', (err) => {
      exited = true
      console.error(`bench: ffmpeg failed: ${err.message}`)
      resolve()
    })
  })
  let stopping = false
  const segmentsListed = async (): Promise<number> => {
    if (exited) throw new Error(`ffmpeg exited: ${stderr.trim()}`)
    return listedSegments(playlistPath)
  }
  return {
    dir,
    playlistPath,
    segmentsListed,
    async stop() {
      stopping = true
      if (!exited) child.kill('SIGINT')
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000)
      await closed
      clearTimeout(timer)
      await rm(dir, { recursive: true, force: true })
    },
  }
}

/** Waits until the packager has listed `segments` segments (so a player can start at a normal live distance). */
export async function waitForSegments(stream: LiveStream, segments: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while ((await stream.segmentsListed()) < segments) {
    if (Date.now() > deadline) throw new Error(`the live stream listed fewer than ${segments} segments after ${timeoutMs} ms`)
    await new Promise((resolve) => setTimeout(resolve, 500))
  }
}

/** The LL-HLS source's segment length: 4 parts of 1 s (test/support/ll-upstream.ts). */
export const LOW_LATENCY_SEGMENT_SECONDS = 4

/** What a run plays: the origin's source, a line for the report, and how to wait for it and stop it. */
export interface BenchStream {
  source: SourceSpec
  description: string
  /** Resolves once a player can start at a normal live distance. */
  ready(): Promise<void>
  stop(): Promise<void>
}

export async function startBenchStream(args: { lowLatency: boolean; ladder: boolean; segmentSeconds: number }): Promise<BenchStream> {
  if (args.ladder) return startLadderStream(args.segmentSeconds)
  if (args.lowLatency) {
    const dir = await mkdtemp(join(tmpdir(), 'lt-bench-ll-'))
    // Three minutes of parts before the loop repeats: longer than a mode's run, so no part is seen twice.
    const upstream = await LowLatencyUpstream.create(dir, { loopParts: 180 })
    await upstream.start()
    return {
      source: { kind: 'remote', url: upstream.url() },
      description: `LL-HLS (RFC 8216bis) real-time upstream: 160x90 H.264 + AAC, 1 s parts as byte ranges of 4 s MPEG-TS segments, blocking reload, preload hints; PART-HOLD-BACK 3 s`,
      ready: async () => {},
      async stop() {
        await upstream.stop()
        await rm(dir, { recursive: true, force: true })
      },
    }
  }
  const stream = await startLiveStream(args.segmentSeconds)
  return {
    source: { kind: 'folder', dir: stream.dir },
    description: streamDescription(args.segmentSeconds),
    ready: () => waitForSegments(stream, 6, 60_000),
    stop: () => stream.stop(),
  }
}

/** The ladder (test/support/ladder.ts): every mode's origin serves its master playlist. */
async function startLadderStream(segmentSeconds: number): Promise<BenchStream> {
  const dir = await mkdtemp(join(tmpdir(), 'lt-bench-ladder-'))
  const ladder = await startLiveLadder(dir, BENCH_LADDER, segmentSeconds)
  const renditions = BENCH_LADDER.map((r) => `${r.name} ${r.videoKbps}k`).join(' / ')
  return {
    source: { kind: 'folder', dir },
    description: `live ladder ${renditions} (25 fps H.264 x264 veryfast) + one AAC 64 kbit/s audio group, ${segmentSeconds} s MPEG-TS segments, live (ffmpeg -re)`,
    async ready() {
      const deadline = Date.now() + 60_000
      while (Math.min(...(await Promise.all(BENCH_LADDER.map((r) => ladder.segmentsListed(r.name))))) < 6) {
        if (Date.now() > deadline) throw new Error('the ladder listed fewer than 6 segments per rendition after 60 s')
        await new Promise((resolve) => setTimeout(resolve, 500))
      }
    },
    async stop() {
      await ladder.stop()
      await rm(dir, { recursive: true, force: true })
    },
  }
}
