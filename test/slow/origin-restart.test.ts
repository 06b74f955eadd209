import assert from 'node:assert/strict'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import type { Origin } from '../../src/origin/origin.js'
import { launchChromium, type Browser } from '../support/browser.js'
import { startLivePackager, type LivePackager } from '../support/media.js'
import { eventually, freePort, startOrigin } from '../support/origin.js'
import { openViewer, type Viewer } from '../support/viewers.js'

// A slow fault run (`npm run bench:faults`, not in `npm test`).

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

async function delivered(viewer: Viewer): Promise<number> {
  const stats = await viewer.stats()
  return stats.segmentsFromPeers + stats.segmentsFromHttp
}

async function listedSegments(packager: LivePackager): Promise<string[]> {
  const text = await readFile(packager.playlistPath, 'utf8').catch(() => '')
  return text.split('\n').filter((line) => /^seg\d+\.ts$/.test(line.trim()))
}

// Faults a live stream meets, with real viewers: each must cost nothing that plain HTTP would not also lose.
describe('faults: the origin restarts under its viewers', () => {
  let browser: Browser
  let dir: string
  let packager: LivePackager
  const origins: Origin[] = []
  const viewers: Viewer[] = []

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lt-faults-'))
    packager = await startLivePackager(dir, { segmentSeconds: 2, listSize: 8 })
    // A window of segments first, so that every player starts its usual three segments behind live (a player
    // that joins a playlist of one segment plays at the edge with nothing buffered, and stalls at any hiccup).
    await eventually(async () => (await listedSegments(packager)).length >= 6, 30_000, 'the packager to list six segments')
    browser = await launchChromium()
  })
  after(async () => {
    await Promise.all(viewers.map((viewer) => viewer.close().catch(() => {})))
    await browser.close()
    await Promise.all(origins.map((origin) => origin.stop().catch(() => {})))
    await packager.stop()
    await rm(dir, { recursive: true, force: true })
  })

  it('viewers play on without a reload, and P2P resumes on the restarted origin', async () => {
    const port = await freePort()
    const start = async () => {
      const origin = await startOrigin({ kind: 'folder', dir }, { port })
      origins.push(origin)
      await origin.whenReady()
      return origin
    }
    const first = await start()
    for (const name of ['a', 'b']) {
      viewers.push(await openViewer(browser, first.url, { name }))
      await sleep(3000)
    }
    // The baseline: the same page with P2P off, so plain HTTP through the same player.
    const plain = await openViewer(browser, first.url, { name: 'plain HTTP', config: { p2p: false } })
    viewers.push(plain)
    await eventually(async () => (await plain.playback()).firstFrameAt !== null, 20_000, 'the plain viewer to play')
    await eventually(async () => (await viewers[1]!.stats()).bytesFromPeers > 0, 30_000, 'P2P before the restart')
    // Down for three seconds, as a supervised process restarts: less than the players' buffers (three 2 s
    // segments behind live). The plain HTTP viewer beside them shows what the outage costs without P2P.
    await first.stop()
    await sleep(3000)
    await start()
    const before = await Promise.all(
      viewers.map(async (viewer) => ({ delivered: await delivered(viewer), peers: (await viewer.stats()).bytesFromPeers })),
    )
    const playedBefore = await Promise.all(viewers.map(async (viewer) => (await viewer.playback()).currentTime))
    await eventually(
      async () => {
        const now = await Promise.all(viewers.slice(0, 2).map(delivered))
        return now.every((count, index) => count >= before[index]!.delivered + 4)
      },
      40_000,
      'segments delivered through the restarted origin',
    ).catch(async (err: Error) => {
      throw new Error(
        `${err.message}: ${JSON.stringify(await Promise.all(viewers.map((v) => v.stats())))}\n${viewers.flatMap((v) => v.problems).join('\n')}`,
      )
    })
    await eventually(
      async () =>
        (await Promise.all(viewers.map((viewer) => viewer.stats()))).some((stats, index) => stats.bytesFromPeers > before[index]!.peers),
      40_000,
      'bytes from peers again after the restart',
    )
    // The viewers' tracker connections died with the origin. A newcomer finds them only once they announce to
    // the new tracker: bittorrent-tracker's client alone would wait 10 s plus up to 5 minutes for that.
    const newcomer = await openViewer(browser, first.url, { name: 'newcomer' })
    viewers.push(newcomer)
    await eventually(
      async () => (await newcomer.stats()).bytesFromPeers > 0,
      45_000,
      'the newcomer to get bytes from the viewers of before',
    )
    // Playing on means the playhead moves: 10 s more of it through the restarted origin, and no stall.
    await eventually(
      async () =>
        (await Promise.all(viewers.slice(0, 3).map((viewer) => viewer.playback()))).every(
          (p, index) => p.currentTime > playedBefore[index]! + 10,
        ),
      40_000,
      'ten more seconds played by each viewer',
    )
    const plainStalls = (await plain.playback()).waitingAfterFirstFrame
    for (const viewer of viewers.slice(0, 2)) {
      const playback = await viewer.playback()
      assert.ok(
        playback.waitingAfterFirstFrame <= plainStalls,
        `${viewer.name} stalled ${playback.waitingAfterFirstFrame} times, plain HTTP ${plainStalls}: ${JSON.stringify(await viewer.stats())}`,
      )
    }
  })
})
