import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { eventually } from './support/origin.js'
import { openViewer, sampleSwarm, type Viewer } from './support/viewers.js'

function statValue(viewer: Viewer, name: string): Promise<string | null> {
  return viewer.page.getAttribute(`[data-stat="${name}"]`, 'data-value')
}

// The demo page at GET /, as a person sees it: the numbers on the page, the switch, the phone layout.
describe('the player page', () => {
  const swarm = sampleSwarm()

  it('opened by two browsers, shows a non-zero P2P share and connected peers within a minute', async () => {
    await swarm.open('first')
    await new Promise((resolve) => setTimeout(resolve, 3000))
    const second = await swarm.open('second')
    const share = await eventually(
      async () => {
        const value = Number(await statValue(second, 'p2p-share'))
        return value > 0 ? value : undefined
      },
      60_000,
      'a P2P share above 0 on the second page',
    )
    assert.ok(share > 0 && share <= 1)
    assert.ok(Number(await statValue(second, 'peers')) >= 1)
    assert.equal(await statValue(second, 'delivery-path'), 'service-worker')
    assert.equal(await statValue(second, 'stalls'), '0')
    assert.match((await second.page.textContent('[data-stat="p2p-share"]')) ?? '', /^\d+(\.\d+)? ?%$/)
  })

  it('on a first visit, plays at once over HTTP, before the worker installs and the P2P code loads, and the worker takes over mid-stream', async () => {
    // The order in which the player starts and the page client's path settles, caught as the page script sets
    // window.liveTorrent (so that nothing of it is missed).
    // p2pStartMs: on a slow machine the first frame may take longer than the default 5 s; only it starts P2P here.
    const order = `(() => {
      window.liveTorrentConfig = { p2pStartMs: 120000 };
      const order = window.__order = [];
      document.addEventListener('live-torrent:player', () => order.push('player'));
      let api;
      Object.defineProperty(window, 'liveTorrent', { configurable: true, get: () => api, set: (value) => {
        api = value;
        value.ready.then((path) => order.push('ready ' + path));
      } });
    })();`
    // A slow worker install (a slow network or a busy machine): its script takes 5 s to arrive.
    const context = await swarm.browser.newContext()
    let workerScriptAt: number | null = null
    await context.route('**/live-torrent-sw.js', async (route) => {
      workerScriptAt ??= Date.now()
      await new Promise((resolve) => setTimeout(resolve, 5000))
      await route.continue()
    })
    const viewer = await openViewer(swarm.browser, swarm.origin.url, { name: 'first visit', initScript: order, context })
    swarm.viewers.push(viewer)
    const segmentRequests = () =>
      viewer.page.evaluate(() =>
        performance
          .getEntriesByType('resource')
          .filter((entry) => /\/seg\d+\.ts$/.test(entry.name))
          .map((entry) => ({ url: entry.name, throughWorker: (entry as PerformanceResourceTiming).workerStart > 0 })),
      )
    await eventually(async () => (await viewer.playback()).firstFrameTime !== null || undefined, 20_000, 'the first frame')
    const events = await viewer.page.evaluate(() => (window as unknown as { __order: string[] }).__order)
    assert.deepEqual(events, ['player'], 'the first frame came before the worker was even installed')
    const stats = await viewer.stats()
    assert.ok(stats.segmentsFromHttp >= 1, `the page client counts what hls.js loaded without the worker: ${JSON.stringify(stats)}`)
    // The P2P part of the page script (WebTorrent) is requested only once the player shows its first frame.
    const p2pScriptAt = await eventually(
      () =>
        viewer.page.evaluate(() => {
          const entry = performance.getEntriesByType('resource').find((e) => new URL(e.name).pathname === '/live-torrent-p2p.js')
          return entry ? performance.timeOrigin + entry.startTime : undefined
        }),
      20_000,
      'the P2P script requested',
    )
    const { firstFrameAt } = await viewer.playback()
    // 2 ms: the worker script's time (Date.now() in the route) is whole milliseconds, the page's times are not.
    assert.ok(
      p2pScriptAt >= firstFrameAt! - 2,
      `the P2P script was requested ${Math.round(firstFrameAt! - p2pScriptAt)} ms before the first frame`,
    )
    // Nor does the worker's install compete with the player's start: its script is requested after the first frame.
    await eventually(() => workerScriptAt !== null || undefined, 20_000, 'the worker script requested')
    assert.ok(
      workerScriptAt! >= firstFrameAt! - 2,
      `the worker script was requested ${Math.round(firstFrameAt! - workerScriptAt!)} ms before the first frame`,
    )
    const first = (await segmentRequests())[0]
    assert.equal(first?.throughWorker, false, `the first segment came before the worker controlled the page: ${JSON.stringify(first)}`)
    await eventually(
      async () => (await segmentRequests()).some((request) => request.throughWorker) || undefined,
      20_000,
      'a segment through the worker',
    )
    const path = await viewer.page.evaluate(() => (window as unknown as { liveTorrent: { ready: Promise<string> } }).liveTorrent.ready)
    assert.equal(path, 'service-worker')
    assert.equal((await viewer.playback()).waitingAfterFirstFrame, 0, 'no stall at the takeover')
  })

  it('switching P2P off is remembered across the reload: the viewer then plays over HTTP and uploads nothing', async () => {
    const viewer = await swarm.open('switcher')
    await viewer.page.waitForSelector('#p2p-switch:checked')
    await Promise.all([viewer.page.waitForEvent('load'), viewer.page.click('label.switch')])
    await viewer.page.waitForSelector('#p2p-switch:not(:checked)')
    const stats = await eventually(
      async () => {
        const current = await viewer.stats()
        return current.bytesFromHttp > 0 ? current : undefined
      },
      30_000,
      'HTTP bytes after switching P2P off',
    )
    assert.equal(stats.p2pEnabled, false)
    assert.equal(stats.bytesUploaded, 0)
    assert.equal(stats.bytesFromPeers, 0)
  })

  it('fits a phone screen: no sideways scrolling, the video and the share are on screen', async () => {
    const context = await swarm.browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true })
    try {
      const page = await context.newPage()
      await page.goto(swarm.origin.url)
      await page.waitForSelector('[data-stat="p2p-share"]')
      const layout = await page.evaluate(() => ({
        scrollWidth: document.documentElement.scrollWidth,
        videoWidth: document.querySelector('video')!.getBoundingClientRect().width,
        shareRight: document.querySelector('[data-stat="p2p-share"]')!.getBoundingClientRect().right,
      }))
      assert.ok(layout.scrollWidth <= 390, `page is ${layout.scrollWidth} px wide on a 390 px screen`)
      assert.ok(layout.videoWidth > 300 && layout.videoWidth <= 390, `video is ${layout.videoWidth} px wide`)
      assert.ok(layout.shareRight <= 390)
    } finally {
      await context.close()
    }
  })
})
