// Test-only browser harness: plays an HLS URL with hls.js in real headless Chromium and reports what a
// viewer would notice (did it play, did it stall, how long to start, how far behind live).
import { createServer } from 'node:http'
import { readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { extname, join, resolve, sep } from 'node:path'
import type { AddressInfo } from 'node:net'
import { chromium, type Browser, type Page } from 'playwright-core'
import { SELECTED_BITRATE_JS, type PlayedFragment } from './ladder.js'

export type { Browser } from 'playwright-core'

export interface PlaybackReport {
  /** How far video.currentTime advanced after the first 'playing' event. */
  playedSeconds: number
  /** 'waiting' events after playback had started (a viewer sees a spinner). */
  stalls: number
  /** hls.js fatal errors, <video> errors, uncaught page errors and harness failures (e.g. timeout to start). */
  fatalErrors: string[]
  fragmentsLoaded: number
  fragmentUrls: string[]
  /** hls.levels.length */
  levels: number
  /** hls.audioTracks.length (alternate audio renditions only; muxed audio counts 0). */
  audioTracks: number
  /** From hls.loadSource() to the first 'playing' event; -1 if playback never started. */
  startupMs: number
  /** hls.latency at the end for a live playlist, null for VOD (or if no playlist was ever loaded). */
  latencySeconds: number | null
  /** The median of hls.latency sampled every second after the first frame (live only), null without samples. */
  latencyMedianSeconds: number | null
  /** LL-HLS parts hls.js loaded (their URLs). */
  partUrls: string[]
  /** Requests the page made that were answered 404. */
  notFoundUrls: string[]
  /** Every fragment that started playing, with its level's bitrate (for the rendition hls.js selected). */
  playedFragments: PlayedFragment[]
}

export interface PlayOptions {
  /** Stop once currentTime has advanced this much. */
  seconds: number
  /** Give up (and report what happened so far) after this long. Default: seconds * 1000 + 20 s. */
  timeoutMs?: number
  /** hls.js `lowLatencyMode` (its own default is on; the harness's is off unless a test asks). */
  lowLatencyMode?: boolean
}

// Flags from DESIGN.md "Known traps": --no-sandbox because tests run as root, the mDNS feature off so WebRTC
// peers on loopback see real IPs, autoplay without a user gesture so play() is not rejected. The rest keep
// Chromium from talking to the network on its own (noise in traffic measurements, slow starts offline).
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-features=WebRtcHideLocalIpsWithMdns',
  '--autoplay-policy=no-user-gesture-required',
]

/**
 * The window of every test page. Small on purpose: with --disable-gpu, Chromium composites each playing video in
 * software at its on-screen size, which at the default 1280x720 took a third of a core for five viewers.
 */
export const TEST_VIEWPORT = { width: 640, height: 360 }

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: CHROMIUM_ARGS,
  })
}

// Paths the harness page lives at, on the origin of the stream under test. They are answered by page.route
// and never reach the server, so any server can be tested without adding a route to it, and the playlist and
// segment requests stay same-origin (no CORS needed, same as the real player page).
const HARNESS_PAGE_PATH = '/__hlsjs-harness.html'
const HARNESS_HLSJS_PATH = '/__hlsjs-harness/hls.js'

let hlsJsBundle: Promise<Buffer> | undefined
function loadHlsJsBundle(): Promise<Buffer> {
  // Read once per process: the minified bundle is ~400 kB and every test page needs it.
  hlsJsBundle ??= readFile(createRequire(import.meta.url).resolve('hls.js/dist/hls.min.js'))
  return hlsJsBundle
}

// State the page collects; read back by the Node side with page.evaluate.
interface PageState {
  startedAt: number
  playingAt: number
  startTime: number | null
  currentTime: number
  waitingAfterStart: number
  fatal: string[]
  fragUrls: string[]
  partUrls: string[]
  levels: number
  audioTracks: number
  live: boolean | null
  latency: number
  latencies: number[]
  played: PlayedFragment[]
}

// Plain JS (it runs in the page, not through tsc). Everything is recorded on window.__harness so the Node
// side can poll it; start(url) is called by the Node side after the page has loaded.
const PAGE_SCRIPT = `${SELECTED_BITRATE_JS}
const s = window.__harness = {
  startedAt: 0, playingAt: -1, startTime: null, currentTime: 0, waitingAfterStart: 0,
  fatal: [], fragUrls: [], partUrls: [], levels: 0, audioTracks: 0, live: null, latency: 0, latencies: [], played: [],
};
setInterval(() => {
  const hls = window.__hls;
  if (hls && s.playingAt >= 0 && Number.isFinite(hls.latency) && hls.latency > 0) s.latencies.push(hls.latency);
}, 1000);
const video = document.querySelector('video');
video.addEventListener('playing', () => {
  if (s.playingAt < 0) { s.playingAt = performance.now() - s.startedAt; s.startTime = video.currentTime; }
});
// A 'waiting' before the first 'playing' is normal startup buffering, not a stall the viewer would call one.
video.addEventListener('waiting', () => { if (s.playingAt >= 0) s.waitingAfterStart++; });
video.addEventListener('timeupdate', () => { s.currentTime = video.currentTime; });
video.addEventListener('error', () => {
  const e = video.error;
  s.fatal.push('video: code ' + (e && e.code) + ' ' + ((e && e.message) || ''));
});
window.__refresh = () => {
  const hls = window.__hls;
  s.currentTime = video.currentTime;
  if (!hls) return s;
  s.levels = hls.levels ? hls.levels.length : 0;
  s.audioTracks = hls.audioTracks ? hls.audioTracks.length : 0;
  const lvl = hls.levels && hls.levels[hls.currentLevel >= 0 ? hls.currentLevel : 0];
  if (lvl && lvl.details) s.live = !!lvl.details.live;
  s.latency = hls.latency || 0;
  return s;
};
window.__start = (url, lowLatencyMode) => {
  if (!Hls.isSupported()) { s.fatal.push('Hls.isSupported() is false (no MSE?)'); return; }
  const hls = window.__hls = new Hls({ lowLatencyMode });
  watchSelectedBitrate(hls, s.played);
  hls.on(Hls.Events.FRAG_LOADED, (_e, d) => { if (d.part) s.partUrls.push(d.part.url); else s.fragUrls.push(d.frag.url); });
  hls.on(Hls.Events.ERROR, (_e, d) => {
    if (!d.fatal) return;
    const code = d.response && d.response.code ? ' HTTP ' + d.response.code : '';
    s.fatal.push(d.type + ': ' + d.details + code + (d.url ? ' ' + d.url : ''));
  });
  hls.attachMedia(video);
  s.startedAt = performance.now();
  hls.loadSource(url);
  // Muted + the autoplay flag: play() may still reject before media is attached; the 'playing' event is what counts.
  video.play().catch(() => {});
};
`

const HARNESS_HTML = `<!doctype html>
<html><head><meta charset="utf-8"><title>hls.js harness</title></head>
<body><video muted playsinline width="320" height="180"></video>
<script src="${HARNESS_HLSJS_PATH}"></script>
<script>${PAGE_SCRIPT}</script></body></html>`

async function routeHarness(page: Page, playlistUrl: string): Promise<string> {
  const pageUrl = new URL(HARNESS_PAGE_PATH, playlistUrl).href
  await page.route(pageUrl, (route) => route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: HARNESS_HTML }))
  const bundle = await loadHlsJsBundle()
  await page.route(new URL(HARNESS_HLSJS_PATH, playlistUrl).href, (route) =>
    route.fulfill({ status: 200, contentType: 'text/javascript; charset=utf-8', body: bundle }),
  )
  return pageUrl
}

function readState(page: Page): Promise<PageState> {
  return page.evaluate(() => (window as unknown as { __refresh(): PageState }).__refresh())
}

// Waits until the wanted playback happened, a fatal error ended it, or the timeout passed. A timeout is not
// thrown: it becomes a fatal error in the report so that the test's assertions say what went wrong.
async function waitForPlayback(page: Page, seconds: number, timeoutMs: number): Promise<string | null> {
  try {
    await page.waitForFunction(
      (want) => {
        const s = (window as unknown as { __refresh(): PageState }).__refresh()
        return s.fatal.length > 0 || (s.startTime !== null && s.currentTime - s.startTime >= want)
      },
      seconds,
      { timeout: timeoutMs, polling: 100 },
    )
    return null
  } catch (err) {
    return `harness: timed out after ${timeoutMs} ms (${err instanceof Error ? err.message.split('\n')[0] : err})`
  }
}

function toReport(s: PageState, extraErrors: string[], notFoundUrls: string[]): PlaybackReport {
  return {
    playedSeconds: s.startTime === null ? 0 : Math.max(0, s.currentTime - s.startTime),
    stalls: s.waitingAfterStart,
    fatalErrors: [...s.fatal, ...extraErrors],
    fragmentsLoaded: s.fragUrls.length,
    fragmentUrls: s.fragUrls,
    levels: s.levels,
    audioTracks: s.audioTracks,
    startupMs: s.playingAt < 0 ? -1 : Math.round(s.playingAt),
    latencySeconds: s.live ? s.latency : null,
    latencyMedianSeconds: s.live && s.latencies.length > 0 ? median(s.latencies) : null,
    partUrls: s.partUrls,
    notFoundUrls,
    playedFragments: s.played,
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2
}

/** Plays playlistUrl with hls.js in a fresh browser context (a fresh viewer) and reports what happened. */
export async function playWithHlsJs(browser: Browser, playlistUrl: string, opts: PlayOptions): Promise<PlaybackReport> {
  const timeoutMs = opts.timeoutMs ?? opts.seconds * 1000 + 20_000
  const context = await browser.newContext({ viewport: TEST_VIEWPORT })
  try {
    const page = await context.newPage()
    const pageErrors: string[] = []
    const notFound: string[] = []
    page.on('pageerror', (err) => pageErrors.push(`pageerror: ${err.message}`))
    page.on('response', (response) => response.status() === 404 && notFound.push(response.url()))
    await page.goto(await routeHarness(page, playlistUrl))
    await page.evaluate(([url, lowLatency]) => (window as unknown as { __start(u: string, l: boolean): void }).__start(url, lowLatency), [
      playlistUrl,
      opts.lowLatencyMode ?? false,
    ] as const)
    const timedOut = await waitForPlayback(page, opts.seconds, timeoutMs)
    const state = await readState(page)
    return toReport(state, [...pageErrors, ...(timedOut ? [timedOut] : [])], notFound)
  } finally {
    await context.close()
  }
}

const CONTENT_TYPES: Record<string, string> = {
  '.m3u8': 'application/vnd.apple.mpegurl',
  '.ts': 'video/mp2t',
  '.m4s': 'video/iso.segment',
  '.mp4': 'video/mp4',
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
}

/** Test-only static file server on 127.0.0.1 (random port). No Range support. */
export async function serveStaticDir(dir: string): Promise<{ url: string; close(): Promise<void> }> {
  const root = resolve(dir)
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)
    const file = resolve(join(root, path))
    // Refuse anything that escapes the served directory (e.g. /../../etc/passwd).
    if (file !== root && !file.startsWith(root + sep)) {
      res.writeHead(403).end()
      return
    }
    readFile(file).then(
      (body) => {
        const type = CONTENT_TYPES[extname(file)] ?? 'application/octet-stream'
        res.writeHead(200, { 'content-type': type, 'content-length': body.length, 'cache-control': 'no-store' })
        res.end(req.method === 'HEAD' ? undefined : body)
      },
      () => res.writeHead(404, { 'content-type': 'text/plain' }).end('not found'),
    )
  })
  await new Promise<void>((ok, fail) => server.once('error', fail).listen(0, '127.0.0.1', ok))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((ok, fail) => {
        server.closeAllConnections()
        server.close((err) => (err ? fail(err) : ok()))
      }),
  }
}
