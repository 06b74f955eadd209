/**
 * Viewers: each one a fresh browser context (its own cookies, cache, service worker: a separate person) with one
 * page on the mode's bench page. Opened on a schedule, read while they play, frozen at the end of the measurement.
 * A viewer that cannot open, whose page crashes, or that never shows a first frame is kept and reported as failed.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core'
import type { PageFinal, PageSnapshot } from './page.js'

export class BenchViewer {
  context: BrowserContext | null = null
  page: Page | null = null
  /** Date.now() when its page started loading. */
  openedAt: number | null = null
  /** The page has loaded (it can be read). */
  loaded = false
  /** Why the viewer failed, if it did (set by open/crash; "never played" is decided by the report). */
  failure: string | null = null
  last: PageSnapshot | null = null
  final: PageFinal | null = null
  /** Console errors and warnings (the first few), for the JSON. */
  readonly console: string[] = []

  constructor(
    readonly index: number,
    readonly name: string,
  ) {}

  /** With `returnVisit`, the viewer has been on the page once before (see visitOnce); the second visit is measured. */
  async open(browser: Browser, url: string, httpCache: boolean, returnVisit = false): Promise<void> {
    try {
      this.context = await browser.newContext({ viewport: { width: 800, height: 480 } })
      if (returnVisit) await visitOnce(this.context, url)
      const page = (this.page = await this.context.newPage())
      page.on('crash', () => (this.failure ??= 'page crashed'))
      page.on('pageerror', (err) => this.keep(`pageerror: ${err.message}`))
      page.on('console', (message) => {
        if (message.type() === 'error' || message.type() === 'warning') this.keep(`${message.type()}: ${message.text()}`)
      })
      // The HTTP cache off: a fragment loaded twice (hls.js restarted, say) costs the network twice, and a client
      // that counts it as HTTP then agrees with the origin. Only repeats differ: live segments are new each time.
      if (!httpCache) {
        const cdp = await this.context.newCDPSession(page)
        await cdp.send('Network.enable')
        await cdp.send('Network.setCacheDisabled', { cacheDisabled: true })
      }
      this.openedAt = Date.now()
      await page.goto(url, { timeout: 30_000 })
      this.loaded = true
    } catch (err) {
      this.failure ??= `could not open: ${(err as Error).message.split('\n')[0]}`
    }
  }

  private keep(line: string): void {
    if (this.console.length < 30) this.console.push(line.slice(0, 300))
  }

  private async evaluate<T>(expression: string): Promise<T | null> {
    if (!this.page || !this.loaded || this.failure) return null
    try {
      return (await this.page.evaluate(expression)) as T
    } catch (err) {
      if (this.page.isClosed()) this.failure ??= 'page closed'
      else this.keep(`bench: evaluate failed: ${(err as Error).message.split('\n')[0]}`)
      return null
    }
  }

  async snapshot(): Promise<PageSnapshot | null> {
    const snap = await this.evaluate<PageSnapshot>('window.__bench ? window.__bench.snapshot() : null')
    if (snap) this.last = snap
    return snap
  }

  async freeze(): Promise<void> {
    const snap = await this.evaluate<PageSnapshot>('window.__bench ? window.__bench.freeze() : null')
    if (snap) this.last = snap
  }

  async readFinal(): Promise<void> {
    const final = await this.evaluate<PageFinal>('window.__bench ? window.__bench.final() : null')
    if (final) this.final = this.last = final
  }

  async close(): Promise<void> {
    await this.context?.close().catch(() => {})
  }
}

/** How long the first visit of a return-visit viewer may take to have a service worker in control (ms). */
const FIRST_VISIT_TIMEOUT_MS = 15_000

/**
 * A first visit, as a viewer who comes back later made it: the page loads, its service worker (where the mode has
 * one) installs and takes control, and the page is closed. The next page of the same context starts controlled.
 */
async function visitOnce(context: BrowserContext, url: string): Promise<void> {
  const page = await context.newPage()
  try {
    await page.goto(url, { timeout: 30_000 })
    await page
      .waitForFunction(() => !('serviceWorker' in navigator) || navigator.serviceWorker.controller !== null, undefined, {
        timeout: FIRST_VISIT_TIMEOUT_MS,
      })
      .catch(() => {})
  } finally {
    await page.close()
  }
}
