// Checks the browser harness itself: it must report real playback of a plain HLS VOD, and must report a
// failure (not a silent pass) when the playlist does not exist.
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { launchChromium, playWithHlsJs, serveStaticDir, type Browser } from './support/browser.js'

const run = promisify(execFile)
const FFMPEG = process.env.FFMPEG_PATH ?? '/usr/bin/ffmpeg'

// 8 s of H.264 + AAC in 2 s MPEG-TS segments (a keyframe every second so segments cut on time).
async function makeVod(dir: string): Promise<void> {
  await run(FFMPEG, [
    '-y',
    '-hide_banner',
    '-loglevel',
    'error',
    '-f',
    'lavfi',
    '-i',
    'testsrc2=size=320x180:rate=25',
    '-f',
    'lavfi',
    '-i',
    'sine=frequency=440:sample_rate=48000',
    '-t',
    '8',
    '-c:v',
    'libx264',
    '-pix_fmt',
    'yuv420p',
    '-g',
    '25',
    '-c:a',
    'aac',
    '-f',
    'hls',
    '-hls_time',
    '2',
    '-hls_playlist_type',
    'vod',
    '-hls_segment_filename',
    join(dir, 'seg%d.ts'),
    join(dir, 'index.m3u8'),
  ])
}

let dir: string
let server: Awaited<ReturnType<typeof serveStaticDir>>
let browser: Browser

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hlsjs-harness-'))
  // Independent: encode while Chromium starts.
  ;[browser] = await Promise.all([launchChromium(), makeVod(dir)])
  server = await serveStaticDir(dir)
})

after(async () => {
  await browser?.close()
  await server?.close()
  if (dir) await rm(dir, { recursive: true, force: true })
})

test('plays a plain HLS VOD with hls.js in Chromium', async () => {
  const report = await playWithHlsJs(browser, `${server.url}/index.m3u8`, { seconds: 3, timeoutMs: 20_000 })
  assert.deepEqual(report.fatalErrors, [])
  assert.ok(report.playedSeconds >= 3, `played only ${report.playedSeconds} s`)
  assert.ok(report.fragmentsLoaded >= 2, `loaded ${report.fragmentsLoaded} fragments`)
  assert.ok(
    report.fragmentUrls.every((u) => /\/seg\d+\.ts$/.test(u)),
    report.fragmentUrls.join(' '),
  )
  assert.equal(report.levels, 1)
  assert.ok(report.startupMs >= 0, 'never reached playing')
  assert.equal(report.latencySeconds, null, 'VOD has no live latency')
})

test('reports a fatal error when the playlist 404s', async () => {
  const report = await playWithHlsJs(browser, `${server.url}/missing/index.m3u8`, { seconds: 3, timeoutMs: 15_000 })
  assert.ok(report.fatalErrors.length > 0, 'a missing playlist must not look like success')
  assert.match(report.fatalErrors.join('\n'), /manifestLoadError/)
  assert.equal(report.playedSeconds, 0)
  assert.equal(report.fragmentsLoaded, 0)
})
