import assert from 'node:assert/strict'
import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { after, before, describe, it } from 'node:test'
import type { Origin } from '../src/origin/origin.js'
import { launchChromium, serveStaticDir, type Browser } from './support/browser.js'
import { startOrigin } from './support/origin.js'
import { OriginDigests, openViewer, type Viewer } from './support/viewers.js'

const BUNDLES = fileURLToPath(new URL('../dist/browser/', import.meta.url))
const STAGGER_MS = 6000
/** Both viewers must play this much (currentTime after their first frame). */
const PLAYED_SECONDS = 12
/** The second viewer must have bytes from peers this soon after its page opened. */
const PEERS_WITHIN_MS = 40_000

/**
 * A site owner's page, as the README tells them to write it: the page script, a stock hls.js, and their own
 * player code that waits for `window.liveTorrent.ready` before loading the origin's playlist (another origin).
 */
function sitePage(playlistUrl: string): string {
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>My site</title><link rel="icon" href="data:,"></head>
<body>
<video muted autoplay playsinline width="320" height="180"></video>
<script src="/live-torrent.js"></script>
<script src="/hls.min.js"></script>
<script>
(async () => {
  await window.liveTorrent.ready
  const video = document.querySelector('video')
  const hls = new Hls()
  window.__recordHls?.(hls)
  hls.loadSource(${JSON.stringify(playlistUrl)})
  hls.attachMedia(video)
})()
</script>
</body></html>
`
}

/**
 * Records what the player was handed, by hashing each XHR response as it completes, before hls.js sees it.
 * Why not the harness's own recorder: it hashes the FRAG_LOADED payload, which a stock hls.js (enableWorker on
 * by default) has already transferred to its transmuxer worker by then, so it reads 0 bytes. Listening from
 * open() puts this listener ahead of the onreadystatechange handler hls.js sets after open().
 */
const RECORD_XHR_BYTES = `
(() => {
  const digests = new Map();
  const hex = (buf) => Array.from(new Uint8Array(buf), (b) => b.toString(16).padStart(2, '0')).join('');
  const open = XMLHttpRequest.prototype.open;
  XMLHttpRequest.prototype.open = function (method, url, ...rest) {
    const xhr = this;
    const href = new URL(String(url), location.href).href;
    xhr.addEventListener('readystatechange', () => {
      if (xhr.readyState !== 4 || xhr.status < 200 || xhr.status > 299 || !(xhr.response instanceof ArrayBuffer)) return;
      const bytes = xhr.response.byteLength;
      digests.set(href, crypto.subtle.digest('SHA-1', xhr.response).then((d) => ({ sha1: hex(d), bytes })));
    });
    return open.call(this, method, url, ...rest);
  };
  window.__recordHls = (hls) => {
    hls.on('hlsFragLoaded', (_e, data) => {
      const url = data.frag.url;
      const digest = digests.get(url);
      if (digest) digest.then(({ sha1, bytes }) => window.__viewer.fragments.push({ url, sha1, bytes }));
    });
  };
})();
`

// "Just host the script and the service worker yourself": the page lives on another server (another origin)
// than the stream; the worker proxies the player's cross-origin playlist and segment requests.
describe('another site hosts the page script and the service worker', () => {
  let browser: Browser
  let origin: Origin
  let site: { url: string; close(): Promise<void> }
  let siteDir: string
  const viewers: Viewer[] = []
  /** SHA-1 of every fragment URL the players loaded, fetched from the origin while it still serves it. */
  const originDigests = new OriginDigests(viewers)

  before(async () => {
    browser = await launchChromium()
    origin = await startOrigin({ kind: 'sample' })
    siteDir = await mkdtemp(join(tmpdir(), 'lt-other-site-'))
    // What a site owner copies to their web root.
    await copyFile(join(BUNDLES, 'live-torrent.js'), join(siteDir, 'live-torrent.js'))
    await copyFile(join(BUNDLES, 'live-torrent-p2p.js'), join(siteDir, 'live-torrent-p2p.js'))
    await copyFile(join(BUNDLES, 'live-torrent-sw.js'), join(siteDir, 'live-torrent-sw.js'))
    await copyFile(createRequire(import.meta.url).resolve('hls.js/dist/hls.min.js'), join(siteDir, 'hls.min.js'))
    await writeFile(join(siteDir, 'index.html'), sitePage(origin.playlistUrl))
    site = await serveStaticDir(siteDir)
    await origin.whenReady()
  })
  after(async () => {
    await Promise.all(viewers.map((viewer) => viewer.close().catch(() => {})))
    await browser?.close()
    await site?.close()
    await origin?.stop()
    if (siteDir) await rm(siteDir, { recursive: true, force: true })
  })

  it('two viewers of a page on another origin play, share segments, and get the origin bytes', { timeout: 120_000 }, async () => {
    // localhost vs 127.0.0.1: another origin for the browser, and both are secure contexts (service workers run).
    const pageUrl = site.url.replace('127.0.0.1', 'localhost') + '/index.html'
    assert.notEqual(new URL(pageUrl).origin, new URL(origin.url).origin)

    viewers.push(await openViewer(browser, pageUrl, { name: 'first', initScript: RECORD_XHR_BYTES }))
    await originDigests.sleepRecording(STAGGER_MS)
    viewers.push(await openViewer(browser, pageUrl, { name: 'second', initScript: RECORD_XHR_BYTES }))
    const [first, second] = viewers as [Viewer, Viewer]

    const snapshot = async () =>
      Promise.all(
        viewers.map(async (viewer) => ({
          viewer,
          stats: await viewer.stats(),
          playback: await viewer.playback(),
          path: await viewer.page.evaluate(() => (window as unknown as { liveTorrent: { ready: Promise<string> } }).liveTorrent.ready),
        })),
      )
    const summarize = (report: Awaited<ReturnType<typeof snapshot>>) =>
      JSON.stringify(
        report.map(({ viewer, stats, playback, path }) => ({
          name: viewer.name,
          path,
          stats,
          playback,
          problems: viewer.problems.slice(0, 8),
        })),
        null,
        1,
      )
    const played = (playback: { currentTime: number; firstFrameTime: number | null }) =>
      playback.firstFrameTime === null ? 0 : playback.currentTime - playback.firstFrameTime

    // Wait until both played enough and the second one got peer bytes, or the second one's time is up.
    let sharedAt: number | null = null
    let report = await snapshot()
    const deadline = second.openedAt + PEERS_WITHIN_MS + PLAYED_SECONDS * 1000
    while (Date.now() < deadline) {
      report = await snapshot()
      const secondStats = report[1]!.stats
      if (sharedAt === null && secondStats.bytesFromPeers > 0 && secondStats.peers > 0) sharedAt = Date.now()
      if (sharedAt !== null && report.every(({ playback }) => played(playback) >= PLAYED_SECONDS)) break
      await originDigests.sleepRecording(1000)
    }
    const details = summarize(report)

    for (const { viewer, playback, path } of report) {
      assert.equal(path, 'service-worker', `${viewer.name}: window.liveTorrent.ready\n${details}`)
      assert.ok(playback.firstFrameTime !== null, `${viewer.name} never played\n${details}`)
      assert.ok(played(playback) >= PLAYED_SECONDS, `${viewer.name} played ${played(playback).toFixed(1)} s\n${details}`)
      assert.equal(playback.waitingAfterFirstFrame, 0, `${viewer.name} stalled\n${details}`)
    }
    for (const { viewer, stats } of report) {
      // Segments the page client handed to the player: the worker routed the cross-origin requests through it.
      const delivered = stats.segmentsFromPeers + stats.segmentsFromHttp
      assert.ok(delivered >= 3, `${viewer.name}: only ${delivered} segments went through the service worker and page client\n${details}`)
    }
    assert.ok(sharedAt !== null, `the second viewer got nothing from peers\n${details}`)
    assert.ok(sharedAt - second.openedAt <= PEERS_WITHIN_MS, `peer bytes only after ${sharedAt - second.openedAt} ms\n${details}`)

    for (const viewer of [first, second]) {
      const checked = await originDigests.check(viewer)
      assert.ok(checked >= 3, `only ${checked} fragments of ${viewer.name} could be checked against the origin\n${details}`)
    }
  })
})
