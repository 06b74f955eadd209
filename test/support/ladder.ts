// A live adaptive-bitrate ladder cut by a real ffmpeg: one encode of a moving test pattern, scaled to each
// rendition, with one audio group, as a live packager writes it (master.m3u8, <name>/index.m3u8, <name>/seg<n>.ts).
// Used by the ABR test and by `bench:swarm --ladder`.
import { spawn } from 'node:child_process'
import { mkdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { findFfmpeg } from '../../src/origin/sources/ffmpeg.js'

export interface Rendition {
  /** The rendition's folder and stream name, e.g. '540p'. */
  name: string
  width: number
  height: number
  videoKbps: number
}

/** The ladder the ABR regression was measured on (issue 9): 240p 300k / 360p 900k / 540p 2000k. */
export const BENCH_LADDER: readonly Rendition[] = [
  { name: '540p', width: 960, height: 540, videoKbps: 2000 },
  { name: '360p', width: 640, height: 360, videoKbps: 900 },
  { name: '240p', width: 426, height: 240, videoKbps: 300 },
]

/**
 * The same steps at small sizes for the test suite (about a fifth of the encoding CPU on the 2-core machines):
 * the rendition hls.js picks depends on the declared bitrates and the measured throughput, not on the picture.
 */
export const TEST_LADDER: readonly Rendition[] = [
  { name: 'hi', width: 480, height: 270, videoKbps: 2000 },
  { name: 'mid', width: 320, height: 180, videoKbps: 900 },
  { name: 'lo', width: 160, height: 90, videoKbps: 300 },
]

const FPS = 25

/**
 * ffmpeg arguments for the ladder in the current folder (highest rendition first): a real-time live encode, or
 * with `preparedSeconds` that many seconds encoded as fast as ffmpeg can, every segment kept (for
 * startPreparedLadder to publish on the live schedule).
 */
export function ladderArgs(renditions: readonly Rendition[], segmentSeconds: number, preparedSeconds?: number): string[] {
  const gop = String(FPS * segmentSeconds)
  const top = renditions[0]!
  const labels = renditions.map((_, i) => `[v${i}]`)
  const scales = renditions.map((r, i) => `[s${i}]scale=${r.width}:${r.height}${labels[i]}`)
  const filter = `[0:v]split=${renditions.length}${renditions.map((_, i) => `[s${i}]`).join('')};${scales.join(';')}`
  const perStream = renditions.flatMap((r, i) => [
    `-b:v:${i}`,
    `${r.videoKbps}k`,
    `-maxrate:v:${i}`,
    `${Math.round(r.videoKbps * 1.1)}k`,
    `-bufsize:v:${i}`,
    `${r.videoKbps * 2}k`,
  ])
  const streamMap = [...renditions.map((r, i) => `v:${i},agroup:aud,name:${r.name}`), 'a:0,agroup:aud,name:audio'].join(' ')
  const live = preparedSeconds === undefined
  const re = live ? ['-re'] : []
  const duration = live ? '' : `:duration=${preparedSeconds}`
  const playlist = live
    ? ['-hls_list_size', '10', '-hls_flags', 'temp_file+delete_segments']
    : ['-hls_list_size', '0', '-hls_playlist_type', 'vod']
  return [
    ...['-hide_banner', '-nostdin', '-loglevel', 'error', '-y'],
    ...[...re, '-f', 'lavfi', '-i', `testsrc2=size=${top.width}x${top.height}:rate=${FPS}${duration}`],
    ...[...re, '-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=48000${duration}`],
    ...['-filter_complex', filter, ...labels.flatMap((label) => ['-map', label]), '-map', '1:a'],
    ...['-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p', '-g', gop, '-keyint_min', gop, '-sc_threshold', '0'],
    ...perStream,
    ...['-c:a', 'aac', '-b:a', '64k', '-ac', '2', '-ar', '48000'],
    ...['-f', 'hls', '-hls_time', String(segmentSeconds), ...playlist, '-master_pl_name', 'master.m3u8'],
    ...['-var_stream_map', streamMap, '-hls_segment_filename', '%v/seg%d.ts', '%v/index.m3u8'],
  ]
}

export interface LiveLadder {
  readonly dir: string
  readonly masterPath: string
  /** Why ffmpeg stopped, if it stopped on its own (null while it runs). */
  exitReason(): string | null
  /** Segments the rendition's playlist lists now (0 before it exists); throws once ffmpeg stopped on its own. */
  segmentsListed(rendition: string): Promise<number>
  stop(): Promise<void>
}

/** Segments a media playlist on disk lists now (its #EXTINF lines); 0 while it does not exist yet. */
export async function listedSegments(playlistPath: string): Promise<number> {
  const text = await readFile(playlistPath, 'utf8').catch(() => '')
  return text.split('\n').filter((line) => line.startsWith('#EXTINF')).length
}

/** Starts the ladder's encoder in `dir` (created if needed); stop() ends it. */
export async function startLiveLadder(dir: string, renditions: readonly Rendition[], segmentSeconds: number): Promise<LiveLadder> {
  await mkdir(dir, { recursive: true })
  const child = spawn(await findFfmpeg(process.env.FFMPEG_PATH), ladderArgs(renditions, segmentSeconds), {
    cwd: dir,
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  let stderr = ''
  let exitReason: string | null = null
  let stopping = false
  child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString('utf8')).slice(-4000)))
  const closed = new Promise<void>((resolve) => {
    child.once('close', (code, signal) => {
      if (!stopping) exitReason = `ffmpeg stopped (exit ${code ?? signal}): ${stderr.trim()}`
      resolve()
    })
    child.once('error', (err) => {
      exitReason = `ffmpeg failed: ${err.message}`
      resolve()
    })
  })
  return {
    dir,
    masterPath: join(dir, 'master.m3u8'),
    exitReason: () => exitReason,
    async segmentsListed(rendition) {
      if (exitReason) throw new Error(exitReason)
      return listedSegments(join(dir, rendition, 'index.m3u8'))
    },
    async stop() {
      stopping = true
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGINT')
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000)
      await closed
      clearTimeout(timer)
    },
  }
}

/**
 * In-page JS (plain, it runs in Chromium): `watchSelectedBitrate(hls, into, accept?)` pushes onto the array `into`,
 * for every fragment that starts playing (while `accept()` holds, if given), when (performance.now()), its level,
 * that level's declared bitrate and the fragment's duration.
 */
export const SELECTED_BITRATE_JS = `
function watchSelectedBitrate(hls, into, accept) {
  const changed = (hls.constructor.Events && hls.constructor.Events.FRAG_CHANGED) || 'hlsFragChanged';
  hls.on(changed, (_event, data) => {
    if (accept && !accept()) return;
    const level = hls.levels[data.frag.level];
    const top = Math.max(...hls.levels.map((l) => l.bitrate));
    if (level && data.frag.duration > 0)
      into.push({ at: performance.now(), level: data.frag.level, bitrate: level.bitrate, top: level.bitrate === top, duration: data.frag.duration });
  });
}
`

/** One played fragment, as SELECTED_BITRATE_JS records it. */
export interface PlayedFragment {
  at: number
  level: number
  bitrate: number
  top: boolean
  duration: number
}

export interface Selection {
  /** The time-weighted mean of the played levels' declared bitrates, kbit/s (null before anything played). */
  meanKbps: number | null
  /** Share of the played seconds at the top rendition (0..1, null before anything played). */
  topShare: number | null
  /** Changes of level between consecutive played fragments. */
  switches: number
  seconds: number
}

/** What a player selected, over the fragments that started playing `skipSeconds` or more after the first one. */
export function selection(played: readonly PlayedFragment[], skipSeconds = 0): Selection {
  const from = (played[0]?.at ?? 0) + skipSeconds * 1000
  const counted = played.filter((fragment) => fragment.at >= from)
  const seconds = counted.reduce((sum, f) => sum + f.duration, 0)
  const weighted = counted.reduce((sum, f) => sum + f.bitrate * f.duration, 0)
  const top = counted.reduce((sum, f) => sum + (f.top ? f.duration : 0), 0)
  const switches = counted.filter((f, i) => i > 0 && f.level !== counted[i - 1]!.level).length
  return {
    meanKbps: seconds > 0 ? weighted / seconds / 1000 : null,
    topShare: seconds > 0 ? top / seconds : null,
    switches,
    seconds,
  }
}
