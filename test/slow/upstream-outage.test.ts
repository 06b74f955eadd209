import assert from 'node:assert/strict'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import type { Origin } from '../../src/origin/origin.js'
import { launchChromium, type Browser } from '../support/browser.js'
import { FolderUpstream } from '../support/folder-upstream.js'
import { startLivePackager, type LivePackager } from '../support/media.js'
import { eventually, getText, startOrigin } from '../support/origin.js'
import { openViewer, type Viewer } from '../support/viewers.js'

// The slow fault runs (`npm run bench:faults`, not in `npm test`): each takes a minute or more of real time.

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

describe('faults: the upstream loses a segment, then goes away for 30 s', () => {
  let browser: Browser
  let dir: string
  let packager: LivePackager
  let upstream: FolderUpstream
  let origin: Origin
  const viewers: Viewer[] = []

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lt-upstream-'))
    packager = await startLivePackager(dir, { segmentSeconds: 2, listSize: 10 })
    await eventually(async () => (await listedSegments(packager)).length >= 6, 30_000, 'the packager to list six segments')
    upstream = new FolderUpstream(dir)
    await upstream.start()
    origin = await startOrigin({ kind: 'remote', url: upstream.url })
    await origin.whenReady()
    browser = await launchChromium()
  })
  after(async () => {
    await Promise.all(viewers.map((viewer) => viewer.close().catch(() => {})))
    await browser.close()
    await origin.stop()
    await upstream.kill()
    await packager.stop()
    await rm(dir, { recursive: true, force: true })
  })

  it('viewers play through both like plain HTTP beside them, and P2P resumes', async () => {
    for (const name of ['a', 'b']) {
      viewers.push(await openViewer(browser, origin.url, { name }))
      await sleep(3000)
    }
    const plain = await openViewer(browser, origin.url, { name: 'plain HTTP', config: { p2p: false } })
    viewers.push(plain)
    const [a, b] = viewers as [Viewer, Viewer]
    await eventually(
      async () => (await b.stats()).bytesFromPeers > 0 && (await plain.playback()).firstFrameAt !== null,
      30_000,
      'P2P and the plain viewer playing',
    )

    // A segment the packager is about to write never reaches the origin: it is skipped with a discontinuity.
    const last = Number(/seg(\d+)\.ts/.exec((await listedSegments(packager)).at(-1)!)![1])
    upstream.missing.add(`seg${last + 2}.ts`)
    await eventually(
      async () => /#EXT-X-DISCONTINUITY\n/.test((await getText(origin.playlistUrl)).text),
      30_000,
      'the origin to skip the lost segment',
    )

    // Then the upstream is gone for 30 s: the origin keeps its last playlist, and every player runs dry.
    const port = upstream.port
    await upstream.kill()
    await sleep(30_000)
    await upstream.start(port)
    const resumedAt = await Promise.all(viewers.map(async (viewer) => (await viewer.playback()).currentTime))
    const peersBefore = (await Promise.all([a, b].map((viewer) => viewer.stats()))).map((stats) => stats.bytesFromPeers)
    await eventually(
      async () =>
        (await Promise.all(viewers.map((viewer) => viewer.playback()))).every((p, index) => p.currentTime > resumedAt[index]! + 10),
      60_000,
      'ten more seconds played by every viewer after the upstream came back',
    ).catch(async (err: Error) => {
      throw new Error(`${err.message}: ${JSON.stringify(await Promise.all(viewers.map((v) => v.playback())))}`)
    })
    await eventually(
      async () =>
        (await Promise.all([a, b].map((viewer) => viewer.stats()))).some((stats, index) => stats.bytesFromPeers > peersBefore[index]!),
      30_000,
      'bytes from peers after the outage',
    )
    const plainStalls = (await plain.playback()).waitingAfterFirstFrame
    for (const viewer of [a, b]) {
      const stalls = (await viewer.playback()).waitingAfterFirstFrame
      assert.ok(stalls <= plainStalls, `${viewer.name} stalled ${stalls} times, plain HTTP ${plainStalls}`)
    }
  })
})

async function listedSegments(packager: LivePackager): Promise<string[]> {
  const text = await readFile(packager.playlistPath, 'utf8').catch(() => '')
  return text.split('\n').filter((line) => /^seg\d+\.ts$/.test(line.trim()))
}
