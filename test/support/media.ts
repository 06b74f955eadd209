// Generates small HLS test material with a real ffmpeg (lavfi test pattern + tone), so tests
// exercise what real packagers write instead of hand-made playlists.
import { spawn } from 'node:child_process'
import { mkdir } from 'node:fs/promises'
import { dirname, join } from 'node:path'

import { findFfmpeg } from '../../src/origin/sources/ffmpeg.js'

export interface VodOptions {
  /** Number of media segments (default 3). */
  segments?: number
  /** Segment length in seconds (default 1); the GOP matches it so ffmpeg cuts evenly. */
  segmentSeconds?: number
}

export interface LivePackagerOptions {
  segmentSeconds?: number
  /** Playlist entries kept; 0 (default) keeps all. Above 0, old segments are deleted like a real packager. */
  listSize?: number
}

export interface LivePackager {
  readonly playlistPath: string
  stop(): Promise<void>
}

const FPS = 25
const QUIET = ['-y', '-hide_banner', '-nostdin', '-loglevel', 'error']

let ffmpegPath: Promise<string> | undefined
const ffmpeg = (): Promise<string> => (ffmpegPath ??= findFfmpeg(process.env.FFMPEG_PATH))

function lavfiInputs(size: string, durationSeconds?: number, realtime = false): string[] {
  const d = durationSeconds === undefined ? '' : `:duration=${durationSeconds}`
  const re = realtime ? ['-re'] : []
  return [
    ...re,
    '-f',
    'lavfi',
    '-i',
    `testsrc2=size=${size}:rate=${FPS}${d}`,
    ...re,
    '-f',
    'lavfi',
    '-i',
    `sine=frequency=440:sample_rate=48000${d}`,
  ]
}

function encodeArgs(segmentSeconds: number, videoBitrate = '120k'): string[] {
  const gop = String(Math.max(1, Math.round(FPS * segmentSeconds)))
  return [
    '-c:v',
    'libx264',
    '-preset',
    'veryfast',
    '-pix_fmt',
    'yuv420p',
    '-g',
    gop,
    '-keyint_min',
    gop,
    '-sc_threshold',
    '0',
    '-b:v',
    videoBitrate,
    '-c:a',
    'aac',
    '-b:a',
    '64k',
    '-ac',
    '2',
    '-ar',
    '48000',
  ]
}

function vodArgs(segmentSeconds: number): string[] {
  return ['-f', 'hls', '-hls_time', String(segmentSeconds), '-hls_playlist_type', 'vod']
}

function resolveVod(opts: VodOptions): { segments: number; segmentSeconds: number; duration: number } {
  const segments = opts.segments ?? 3
  const segmentSeconds = opts.segmentSeconds ?? 1
  return { segments, segmentSeconds, duration: segments * segmentSeconds }
}

async function runFfmpeg(cwd: string, args: string[]): Promise<void> {
  await mkdir(cwd, { recursive: true })
  const child = spawn(await ffmpeg(), [...QUIET, ...args], { cwd, stdio: ['ignore', 'ignore', 'pipe'] })
  let stderr = ''
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')))
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject)
    child.once('close', resolve)
  })
  if (code !== 0) throw new Error(`ffmpeg ${args.join(' ')} failed (${code}): ${stderr.trim()}`)
}

/** A 160x90 VOD cut by ffmpeg's HLS muxer with the given extra options; resolves the playlist path. */
async function makeVod(dir: string, opts: VodOptions, hlsArgs: string[]): Promise<string> {
  const { segmentSeconds, duration } = resolveVod(opts)
  await runFfmpeg(dir, [
    ...lavfiInputs('160x90', duration),
    ...encodeArgs(segmentSeconds),
    '-shortest',
    ...vodArgs(segmentSeconds),
    ...hlsArgs,
    'index.m3u8',
  ])
  return join(dir, 'index.m3u8')
}

/** MPEG-TS VOD: index.m3u8 + seg0.ts, seg1.ts, ... */
export function makeTsVod(dir: string, opts: VodOptions = {}): Promise<string> {
  return makeVod(dir, opts, ['-hls_segment_filename', 'seg%d.ts'])
}

/** fMP4 VOD: index.m3u8 with EXT-X-MAP init.mp4 + seg0.m4s, seg1.m4s, ... */
export function makeFmp4Vod(dir: string, opts: VodOptions = {}): Promise<string> {
  return makeVod(dir, opts, ['-hls_segment_type', 'fmp4', '-hls_fmp4_init_filename', 'init.mp4', '-hls_segment_filename', 'seg%d.m4s'])
}

/** Byte-range VOD: every segment is an EXT-X-BYTERANGE of one media.ts. */
export function makeByteRangeVod(dir: string, opts: VodOptions = {}): Promise<string> {
  return makeVod(dir, opts, ['-hls_flags', 'single_file', '-hls_segment_filename', 'media.ts'])
}

/** A short 320x180 H.264/AAC mp4 file, for video-file sources. */
export async function makeMp4(path: string, seconds: number): Promise<void> {
  await runFfmpeg(dirname(path), [...lavfiInputs('320x180', seconds), ...encodeArgs(1), '-shortest', path])
}

/**
 * master.m3u8 with two video renditions (video_hi 320x180, video_lo 160x90, each <name>/index.m3u8)
 * and one alternate audio rendition (audio/index.m3u8) in an EXT-X-MEDIA audio group, all written
 * by ffmpeg itself. ffmpeg names the group "group_aud" (it prefixes agroup values with "group_")
 * and also lists the audio rendition as a third, audio-only EXT-X-STREAM-INF.
 */
export async function makeMasterWithAudioGroup(dir: string, opts: VodOptions = {}): Promise<string> {
  const { segmentSeconds, duration } = resolveVod(opts)
  await runFfmpeg(dir, [
    ...lavfiInputs('320x180', duration),
    '-map',
    '0:v',
    '-map',
    '0:v',
    '-map',
    '1:a',
    '-filter:v:1',
    'scale=160:90',
    ...encodeArgs(segmentSeconds, '200k'),
    '-b:v:1',
    '80k',
    '-shortest',
    ...vodArgs(segmentSeconds),
    '-master_pl_name',
    'master.m3u8',
    '-var_stream_map',
    'v:0,agroup:aud,name:video_hi v:1,agroup:aud,name:video_lo a:0,agroup:aud,name:audio',
    '-hls_segment_filename',
    '%v/seg%d.ts',
    '%v/index.m3u8',
  ])
  return join(dir, 'master.m3u8')
}

/**
 * A live packager writing into dir while the test runs: index.m3u8 + seg0.ts, seg1.ts, ...
 * temp_file makes ffmpeg rename each segment into place only when complete, as a careful packager does.
 */
export async function startLivePackager(dir: string, opts: LivePackagerOptions = {}): Promise<LivePackager> {
  const segmentSeconds = opts.segmentSeconds ?? 1
  const listSize = opts.listSize ?? 0
  await mkdir(dir, { recursive: true })
  const flags = listSize > 0 ? 'temp_file+delete_segments' : 'temp_file'
  const args = [
    ...QUIET,
    ...lavfiInputs('160x90', undefined, true),
    ...encodeArgs(segmentSeconds),
    '-f',
    'hls',
    '-hls_time',
    String(segmentSeconds),
    '-hls_list_size',
    String(listSize),
    '-hls_flags',
    flags,
    '-hls_segment_filename',
    'seg%d.ts',
    'index.m3u8',
  ]
  const child = spawn(await ffmpeg(), args, { cwd: dir, stdio: ['ignore', 'ignore', 'inherit'] })
  const closed = new Promise<void>((resolve) => {
    child.once('close', () => resolve())
    child.once('error', () => resolve())
  })
  return {
    playlistPath: join(dir, 'index.m3u8'),
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000)
      await closed
      clearTimeout(timer)
    },
  }
}
