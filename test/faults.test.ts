import assert from 'node:assert/strict'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import type { Origin } from '../src/origin/origin.js'
import { launchChromium, type Browser } from './support/browser.js'
import { startLivePackager, type LivePackager } from './support/media.js'
import { eventually, freePort, startOrigin } from './support/origin.js'
import { openViewer, type Viewer } from './support/viewers.js'

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

async function delivered(viewer: Viewer): Promise<number> {
  const stats = await viewer.stats()
  return stats.segmentsFromPeers + stats.segmentsFromHttp
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

// Pauses every data channel of the page once window.__stopSending is set: the neighbour stays connected, its
// channels open, and nothing more arrives from it (a tab frozen by the browser, a peer on a link that died).
const STOPPABLE_SENDER = `(() => {
  const send = RTCDataChannel.prototype.send;
  RTCDataChannel.prototype.send = function (...args) { if (!window.__stopSending) return send.apply(this, args); };
})()`

describe('faults: neighbours that stop or leave', () => {
  let browser: Browser
  const origins: Origin[] = []
  const viewers: Viewer[] = []
  before(async () => {
    browser = await launchChromium()
  })
  after(async () => {
    await Promise.all(viewers.map((viewer) => viewer.close().catch(() => {})))
    await browser.close()
    await Promise.all(origins.map((origin) => origin.stop()))
  })

  const sampleOrigin = async () => {
    const origin = await startOrigin({ kind: 'sample' })
    origins.push(origin)
    await origin.whenReady()
    return origin
  }

  it('a neighbour that stops sending in the middle of segments costs no stall: the deadline takes the rest over HTTP', async () => {
    const origin = await sampleOrigin()
    const sender = await openViewer(browser, origin.url, { name: 'sender', initScript: STOPPABLE_SENDER })
    viewers.push(sender)
    await sleep(4000)
    const receiver = await openViewer(browser, origin.url, { name: 'receiver' })
    viewers.push(receiver)
    await eventually(async () => (await receiver.stats()).bytesFromPeers > 0, 30_000, 'the receiver to get bytes from the sender')
    // The sender goes silent at whatever point its transfers are: with a segment every 4 s and pieces
    // flowing most of the time, usually in the middle of one.
    await sender.page.evaluate(() => ((window as unknown as { __stopSending: boolean }).__stopSending = true))
    const before = await receiver.stats()
    await eventually(
      async () => (await delivered(receiver)) >= before.segmentsFromPeers + before.segmentsFromHttp + 4,
      40_000,
      'segments after the sender stopped',
    )
    const after = await receiver.stats()
    assert.ok(after.segmentsFromHttp > before.segmentsFromHttp, 'HTTP took over')
    assert.equal((await receiver.playback()).waitingAfterFirstFrame, 0, JSON.stringify(after))
  })

  it('half the viewers leave at once, mid-transfer: the others play on without a stall', async () => {
    const origin = await sampleOrigin()
    const group: Viewer[] = []
    for (const name of ['stay 1', 'leave 1', 'stay 2', 'leave 2']) {
      group.push(await openViewer(browser, origin.url, { name }))
      await sleep(2500)
    }
    viewers.push(...group)
    const [stay1, leave1, stay2, leave2] = group as [Viewer, Viewer, Viewer, Viewer]
    await eventually(
      async () => (await stay2.stats()).bytesFromPeers > 0 && (await stay1.stats()).bytesUploaded > 0,
      30_000,
      'P2P among the four',
    )
    await Promise.all([leave1.close(), leave2.close()])
    const before = await Promise.all([stay1, stay2].map(delivered))
    await eventually(
      async () => (await Promise.all([stay1, stay2].map(delivered))).every((count, index) => count >= before[index]! + 4),
      40_000,
      'segments for the two who stayed',
    )
    for (const viewer of [stay1, stay2]) assert.equal((await viewer.playback()).waitingAfterFirstFrame, 0, `${viewer.name} stalled`)
  })
})

async function listedSegments(packager: LivePackager): Promise<string[]> {
  const text = await readFile(packager.playlistPath, 'utf8').catch(() => '')
  return text.split('\n').filter((line) => /^seg\d+\.ts$/.test(line.trim()))
}
