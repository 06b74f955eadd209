import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { pino } from 'pino'
import type { Origin } from '../src/origin/origin.js'
import { launchChromium, type Browser } from './support/browser.js'
import { eventually, getText, startOrigin } from './support/origin.js'
import { openViewer, type Viewer } from './support/viewers.js'

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

async function delivered(viewer: Viewer): Promise<number> {
  const stats = await viewer.stats()
  return stats.segmentsFromPeers + stats.segmentsFromHttp
}

// Pauses every data channel of the page once window.__stopSending is set: the neighbour stays connected, its
// channels open, and nothing more arrives from it (a tab frozen by the browser, a peer on a link that died).
const STOPPABLE_SENDER = `(() => {
  const send = RTCDataChannel.prototype.send;
  RTCDataChannel.prototype.send = function (...args) { if (!window.__stopSending) return send.apply(this, args); };
})()`

describe('faults: neighbours that stop or leave, a tracker that dies', () => {
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

  const sampleOrigin = async (logger?: pino.Logger) => {
    const origin = await startOrigin({ kind: 'sample' }, {}, { logger })
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

  it('the tracker process dies mid-stream: viewers play on, the origin restarts it, and a newcomer meets them', async () => {
    const logLines: string[] = []
    const origin = await sampleOrigin(pino({ level: 'info' }, { write: (line: string) => void logLines.push(line) }))
    const first = await openViewer(browser, origin.url, { name: 'first' })
    viewers.push(first)
    await sleep(2500)
    const second = await openViewer(browser, origin.url, { name: 'second' })
    viewers.push(second)
    await eventually(async () => (await second.stats()).bytesFromPeers > 0, 30_000, 'P2P between the first two')
    const pid = origin.trackerPid
    assert.ok(pid, 'the tracker runs in a process of its own')
    process.kill(pid, 'SIGKILL')
    const playlist = await getText(origin.playlistUrl)
    assert.equal(playlist.status, 200, 'the playlist is served while the tracker is down')
    await eventually(async () => (origin.trackerPid ?? pid) !== pid, 15_000, 'the origin to start a new tracker process')
    const before = await Promise.all([first, second].map(delivered))
    const newcomer = await openViewer(browser, origin.url, { name: 'newcomer' })
    viewers.push(newcomer)
    await eventually(
      async () => (await newcomer.stats()).bytesFromPeers > 0,
      30_000,
      'the newcomer to get bytes from the others: they found each other through the restarted tracker',
    )
    await eventually(
      async () => (await Promise.all([first, second].map(delivered))).every((count, index) => count >= before[index]! + 2),
      20_000,
      'segments for the first two after the restart',
    )
    for (const viewer of [first, second, newcomer])
      assert.equal((await viewer.playback()).waitingAfterFirstFrame, 0, `${viewer.name} stalled`)
    const logged = logLines.map((line) => JSON.parse(line) as { msg: string; signal?: string })
    assert.ok(
      logged.some((line) => line.msg.startsWith('tracker process ended') && line.signal === 'SIGKILL'),
      'a clear log line names the end of the tracker process',
    )
    const metrics = (await getText(new URL('metrics', origin.url).href)).text
    assert.match(metrics, /^live_torrent_tracker_restarts_total 1$/m)
    assert.match(metrics, /^live_torrent_tracker_up 1$/m)
  })
})
