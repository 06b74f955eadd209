// Test-only harness for P2P viewers: opens a page that runs the live-torrent page script (the origin's player
// page, or another site's page) in its own browser context, and reads back what the viewer got.
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { after, afterEach, before } from 'node:test'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import type { ViewerStats } from '../../src/protocol/stats.js'
import type { Origin } from '../../src/origin/origin.js'
import { launchChromium, TEST_VIEWPORT } from './browser.js'
import { SELECTED_BITRATE_JS, type PlayedFragment } from './ladder.js'
import { getBytes, startOrigin } from './origin.js'

/** A fragment as the player received it: its URL and the SHA-1 of the bytes hls.js was handed. */
export interface ReceivedFragment {
  url: string
  sha1: string
  bytes: number
}

export interface Viewer {
  name: string
  page: Page
  context: BrowserContext
  /** Console errors, page errors and failed requests worth showing when a test fails. */
  problems: string[]
  /** When the page was opened (Date.now()). */
  openedAt: number
  stats(): Promise<ViewerStats>
  /**
   * video.currentTime, and the currentTime at the first 'playing' event and when it fired (epoch ms; null before it).
   */
  playback(): Promise<{ currentTime: number; firstFrameTime: number | null; firstFrameAt: number | null; waitingAfterFirstFrame: number }>
  /** Fragments hls.js loaded, with digests of their bytes. */
  fragments(): Promise<ReceivedFragment[]>
  /** Every fragment that started playing, with its level's bitrate (the rendition hls.js selected). */
  playedFragments(): Promise<PlayedFragment[]>
  close(): Promise<void>
}

export interface ViewerOptions {
  name: string
  /** Page client overrides set as window.liveTorrentConfig before the page script runs. */
  config?: Record<string, unknown>
  /** Runs in the page before any of its scripts (after the harness's own init script). */
  initScript?: string
  /** A browser context of the test's own (routes set up on it, say); by default a new one. */
  context?: BrowserContext
}

/**
 * Loopback peers need no STUN server; without one, ICE gathering finishes at once instead of waiting on an
 * unreachable public server.
 */
const TEST_CONFIG = { iceServers: [] }

// Plain JS run in the page before its scripts: records hls.js fragments (through the player hook the demo page
// fires, or window.__recordHls(hls) from a stock page) and playback events of the first <video>.
const RECORDER = `${SELECTED_BITRATE_JS}
(() => {
  const r = window.__viewer = { fragments: [], firstFrameAt: null, firstFrameTime: null, waiting: 0, played: [] };
  const hex = (buf) => Array.from(new Uint8Array(buf), (b) => b.toString(16).padStart(2, '0')).join('');
  // hls.js hands a fragment's bytes to its transmux worker (a transfer) before FRAG_LOADED fires, so the bytes
  // are digested in the fragment loader's success callback instead: hls.js looks up config.fLoader at every load,
  // and digest() copies its input before returning, whatever happens to the buffer afterwards.
  window.__recordHls = (hls) => {
    watchSelectedBitrate(hls, r.played);
    const Base = hls.config.fLoader || hls.config.loader;
    hls.config.fLoader = class extends Base {
      load(context, config, callbacks) {
        super.load(context, config, { ...callbacks, onSuccess: (response, stats, ctx, details) => {
          const data = response.data;
          // No WebCrypto on an insecure page: fragments are not recorded there.
          if (data instanceof ArrayBuffer && crypto.subtle) {
            const bytes = data.byteLength;
            crypto.subtle.digest('SHA-1', data).then((d) => r.fragments.push({ url: ctx.url, sha1: hex(d), bytes }));
          }
          callbacks.onSuccess(response, stats, ctx, details);
        } });
      }
    };
  };
  document.addEventListener('live-torrent:player', (event) => window.__recordHls(event.detail.hls));
  const watch = () => {
    const video = document.querySelector('video');
    if (!video) return setTimeout(watch, 50);
    // The event's own time, the same for every 'playing' listener: the page script's own listener may run first,
    // and on a loaded machine take a few ms before this one does.
    video.addEventListener('playing', (event) => {
      if (r.firstFrameAt === null) { r.firstFrameAt = performance.timeOrigin + event.timeStamp; r.firstFrameTime = video.currentTime; }
    });
    video.addEventListener('waiting', () => { if (r.firstFrameAt !== null && !video.seeking) r.waiting++; });
  };
  watch();
})();
`

export async function openViewer(browser: Browser, pageUrl: string, options: ViewerOptions): Promise<Viewer> {
  const context = options.context ?? (await browser.newContext({ viewport: TEST_VIEWPORT }))
  const page = await context.newPage()
  const problems: string[] = []
  page.on('pageerror', (err) => problems.push(`${options.name} pageerror: ${err.message}`))
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning') problems.push(`${options.name} ${message.type()}: ${message.text()}`)
  })
  const config = { ...TEST_CONFIG, ...options.config }
  await page.addInitScript(`window.liveTorrentConfig = ${JSON.stringify(config)};\n${RECORDER}\n${options.initScript ?? ''}`)
  const openedAt = Date.now()
  await page.goto(pageUrl)
  return {
    name: options.name,
    page,
    context,
    problems,
    openedAt,
    stats: () => page.evaluate(() => ({ ...(window as unknown as { liveTorrent: { stats: ViewerStats } }).liveTorrent.stats })),
    playback: () =>
      page.evaluate(() => {
        const r = (window as unknown as { __viewer: { firstFrameAt: number | null; firstFrameTime: number | null; waiting: number } })
          .__viewer
        return {
          currentTime: document.querySelector('video')?.currentTime ?? 0,
          firstFrameTime: r.firstFrameTime,
          firstFrameAt: r.firstFrameAt,
          waitingAfterFirstFrame: r.waiting,
        }
      }),
    fragments: () => page.evaluate(() => (window as unknown as { __viewer: { fragments: ReceivedFragment[] } }).__viewer.fragments),
    playedFragments: () => page.evaluate(() => (window as unknown as { __viewer: { played: PlayedFragment[] } }).__viewer.played),
    close: () => context.close(),
  }
}

/**
 * The origin's bytes (as SHA-1) for every fragment URL the viewers' players loaded, fetched while the origin
 * still serves them (a live segment leaves its window), to check that no player got other bytes.
 */
export class OriginDigests {
  private readonly digests = new Map<string, string>()

  constructor(private readonly viewers: readonly Viewer[]) {}

  async record(): Promise<void> {
    for (const viewer of this.viewers) {
      for (const fragment of await viewer.fragments()) {
        if (this.digests.has(fragment.url)) continue
        const { status, bytes } = await getBytes(fragment.url)
        if (status === 200) this.digests.set(fragment.url, createHash('sha1').update(bytes).digest('hex'))
      }
    }
  }

  /** Waits `ms`, recording every second. */
  async sleepRecording(ms: number): Promise<void> {
    const until = Date.now() + ms
    while (Date.now() < until) {
      await this.record()
      await new Promise((resolve) => setTimeout(resolve, Math.min(1000, Math.max(0, until - Date.now()))))
    }
  }

  /** Asserts that every fragment of `viewer` the origin's bytes are known for matches them; returns how many. */
  async check(viewer: Viewer): Promise<number> {
    await this.record()
    let checked = 0
    for (const fragment of await viewer.fragments()) {
      const expected = this.digests.get(fragment.url)
      if (!expected) continue
      assert.equal(fragment.sha1, expected, `${viewer.name} received different bytes for ${fragment.url}`)
      checked++
    }
    return checked
  }
}

/** What a describe block of viewer tests shares: one Chromium, one origin on the sample, the viewers it opened. */
export interface SampleSwarm {
  browser: Browser
  origin: Origin
  viewers: Viewer[]
  /** Opens a viewer of `origin.url + query` and keeps it for closing after the block. */
  open(name: string, query?: string, config?: Record<string, unknown>): Promise<Viewer>
}

/** Registers the block's before/after hooks: Chromium and the origin up before the tests, everything closed after. */
export function sampleSwarm(): SampleSwarm {
  const swarm = {
    viewers: [] as Viewer[],
    async open(name: string, query = '', config?: Record<string, unknown>) {
      const viewer = await openViewer(swarm.browser, swarm.origin.url + query, { name, config })
      swarm.viewers.push(viewer)
      return viewer
    },
  } as SampleSwarm
  before(async () => {
    swarm.browser = await launchChromium()
    swarm.origin = await startOrigin({ kind: 'sample' })
    await swarm.origin.whenReady()
  })
  after(async () => {
    await Promise.all(swarm.viewers.map((viewer) => viewer.close().catch(() => {})))
    await swarm.browser?.close()
    await swarm.origin?.stop()
  })
  return swarm
}

/** What a describe block of viewer tests on servers of its own shares: one Chromium, the viewers, what to close. */
export interface BrowserSuite {
  readonly browser: Browser
  /** Opens a viewer of `pageUrl`, closed after the block. */
  open(pageUrl: string, name: string): Promise<Viewer>
  /** Closes `close` after the block or test (after the viewers and Chromium, in reverse order of registration). */
  defer(close: () => Promise<void>): void
}

/**
 * Registers the block's hooks: Chromium up before the tests; viewers, Chromium and everything deferred closed after.
 * With `perTest`, the viewers and what was deferred are closed after each test instead (Chromium stays): on two
 * cores, one test's playing viewers and live servers would otherwise slow the next test's viewers to a timeout.
 */
export function browserSuite(options: { perTest?: boolean } = {}): BrowserSuite {
  const viewers: Viewer[] = []
  const closers: Array<() => Promise<void>> = []
  let browser: Browser | undefined
  const closeViewers = async (): Promise<void> => {
    await Promise.all(viewers.splice(0).map((viewer) => viewer.close().catch(() => {})))
  }
  const runClosers = async (): Promise<void> => {
    for (const close of closers.splice(0).reverse()) await close().catch(() => {})
  }
  before(async () => {
    browser = await launchChromium()
  })
  if (options.perTest) afterEach(async () => (await closeViewers(), await runClosers()))
  after(async () => {
    await closeViewers()
    await browser?.close()
    await runClosers()
  })
  return {
    get browser() {
      if (!browser) throw new Error('Chromium is not up yet: use the suite inside a test')
      return browser
    },
    async open(pageUrl, name) {
      const viewer = await openViewer(this.browser, pageUrl, { name })
      viewers.push(viewer)
      return viewer
    },
    defer(close) {
      closers.push(close)
    },
  }
}

/** Whether the viewer's video has played `seconds` since its first frame. */
export async function hasPlayedFor(viewer: Viewer, seconds: number): Promise<boolean> {
  const playback = await viewer.playback()
  return playback.firstFrameTime !== null && playback.currentTime - playback.firstFrameTime >= seconds
}
