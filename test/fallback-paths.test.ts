import assert from 'node:assert/strict'
import { networkInterfaces } from 'node:os'
import { after, before, describe, it } from 'node:test'
import type { Origin } from '../src/origin/origin.js'
import { launchChromium, type Browser } from './support/browser.js'
import { eventually, startOrigin } from './support/origin.js'
import { openViewer, type Viewer } from './support/viewers.js'

/** A non-loopback IPv4 address of this machine: pages served from it are not a secure context. */
function lanAddress(): string | undefined {
  return Object.values(networkInterfaces())
    .flat()
    .find((entry) => entry && entry.family === 'IPv4' && !entry.internal)?.address
}

function readyPath(viewer: Viewer): Promise<string> {
  return viewer.page.evaluate(() => (window as unknown as { liveTorrent: { ready: Promise<string> } }).liveTorrent.ready)
}

async function playedAfterFirstFrame(viewer: Viewer): Promise<number> {
  const playback = await viewer.playback()
  return playback.firstFrameTime === null ? 0 : playback.currentTime - playback.firstFrameTime
}

// The delivery paths besides the service worker on a fresh page: no worker possible, and a page reload.
describe('delivery paths', () => {
  let browser: Browser
  const viewers: Viewer[] = []
  const origins: Origin[] = []

  before(async () => {
    browser = await launchChromium()
  })
  after(async () => {
    await Promise.all(viewers.map((viewer) => viewer.close().catch(() => {})))
    await browser.close()
    await Promise.all(origins.map((origin) => origin.stop()))
  })

  it('in an insecure context (no service worker) viewers use the hls.js loader, play, and share', async (t) => {
    const address = lanAddress()
    if (!address) return t.skip('this machine has no non-loopback IPv4 address')
    const origin = await startOrigin({ kind: 'sample' }, { host: '0.0.0.0' })
    origins.push(origin)
    await origin.whenReady()
    const pageUrl = `http://${address}:${new URL(origin.url).port}/`
    const first = await openViewer(browser, pageUrl, { name: 'first' })
    viewers.push(first)
    assert.equal(await first.page.evaluate(() => window.isSecureContext), false)
    await new Promise((resolve) => setTimeout(resolve, 4000))
    const second = await openViewer(browser, pageUrl, { name: 'second' })
    viewers.push(second)
    assert.equal(await readyPath(first), 'loader')
    assert.equal(await readyPath(second), 'loader')
    const stats = await eventually(
      async () => {
        const current = await second.stats()
        return current.bytesFromPeers > 0 && (await playedAfterFirstFrame(second)) >= 10 ? current : undefined
      },
      40_000,
      'the second loader viewer to play 10 s and get bytes from peers',
    ).catch(async (err: Error) => {
      throw new Error(
        `${err.message}: ${JSON.stringify(await second.stats())} ${JSON.stringify(await second.playback())} ${[...first.problems, ...second.problems].join('\n')}`,
      )
    })
    assert.equal(stats.stalls, 0, JSON.stringify(stats))
    assert.equal((await second.playback()).waitingAfterFirstFrame, 0)
  })

  it('after a page reload the service worker still serves the player and the viewer plays on', async () => {
    const origin = await startOrigin({ kind: 'sample' })
    origins.push(origin)
    await origin.whenReady()
    const viewer = await openViewer(browser, origin.url, { name: 'reloader' })
    viewers.push(viewer)
    assert.equal(await readyPath(viewer), 'service-worker')
    await eventually(async () => (await playedAfterFirstFrame(viewer)) >= 4, 20_000, 'playback before the reload')
    await viewer.page.reload()
    assert.equal(await readyPath(viewer), 'service-worker')
    assert.equal(await viewer.page.evaluate(() => navigator.serviceWorker.controller !== null), true)
    const stats = await eventually(
      async () => {
        const current = await viewer.stats()
        const delivered = current.segmentsFromPeers + current.segmentsFromHttp
        return delivered >= 2 && (await playedAfterFirstFrame(viewer)) >= 8 ? current : undefined
      },
      30_000,
      'segments through the worker after the reload',
    )
    assert.equal(stats.stalls, 0, JSON.stringify(stats))
    assert.equal((await viewer.playback()).waitingAfterFirstFrame, 0)
  })

  it('a worker that the browser stops and starts again serves the tab on: the tab says hello again', async () => {
    const origin = await startOrigin({ kind: 'sample' })
    origins.push(origin)
    await origin.whenReady()
    const viewer = await openViewer(browser, origin.url, { name: 'worker restart' })
    viewers.push(viewer)
    assert.equal(await readyPath(viewer), 'service-worker')
    const delivered = async () => {
      const stats = await viewer.stats()
      return stats.segmentsFromPeers + stats.segmentsFromHttp
    }
    await eventually(async () => (await delivered()) >= 2, 20_000, 'segments through the worker before it stops')
    const cdp = await viewer.context.newCDPSession(viewer.page)
    await cdp.send('ServiceWorker.enable')
    await cdp.send('ServiceWorker.stopAllWorkers')
    const before = await delivered()
    await eventually(async () => (await delivered()) >= before + 2, 30_000, 'segments through the page client after the worker restarted')
    assert.equal((await viewer.stats()).stalls, 0)
  })

  it('two tabs of one browser are two viewers: one worker serves both, and they share with each other', async () => {
    const origin = await startOrigin({ kind: 'sample' })
    origins.push(origin)
    await origin.whenReady()
    const first = await openViewer(browser, origin.url, { name: 'tab 1' })
    viewers.push(first)
    await new Promise((resolve) => setTimeout(resolve, 4000))
    const secondPage = await first.context.newPage()
    const secondProblems: string[] = []
    secondPage.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warning') secondProblems.push(`tab 2: ${message.text()}`)
    })
    await secondPage.goto(origin.url)
    const secondStats = () =>
      secondPage.evaluate(() => ({ ...(window as unknown as { liveTorrent: { stats: Record<string, number> } }).liveTorrent.stats }))
    const stats = await eventually(
      async () => {
        const current = await secondStats()
        return current.bytesFromPeers! > 0 && current.peers! >= 1 ? current : undefined
      },
      40_000,
      'the second tab to get bytes from the first',
    ).catch(async (err: Error) => {
      throw new Error(
        `${err.message}: second ${JSON.stringify(await secondStats())} first ${JSON.stringify(await first.stats())} ${[...first.problems, ...secondProblems].join('\n')}`,
      )
    })
    assert.equal(stats.stalls, 0)
    assert.equal(await secondPage.evaluate(() => navigator.serviceWorker.controller !== null), true)
    assert.ok((await first.stats()).bytesUploaded > 0)
    // Each tab holds its segments in its own memory: nothing in the origin's private file system, which both tabs
    // (and every later visit) would share, and which would leave the segments on the viewer's disk.
    const stored = await secondPage.evaluate(async () => {
      const names: string[] = []
      const root = (await navigator.storage.getDirectory()) as unknown as { keys(): AsyncIterable<string> }
      for await (const name of root.keys()) names.push(name)
      return names
    })
    assert.deepEqual(stored, [], 'segments were written to disk')
  })
})
