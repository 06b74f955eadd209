import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { pino } from 'pino'
import type { Origin } from '../src/origin/origin.js'
import { startStandaloneTracker, type StandaloneTracker } from '../src/tracker/standalone.js'
import { eventually, getText, playlistEntries, startOrigin } from './support/origin.js'
import { startStockTracker, type StockTracker } from './support/stock-tracker.js'
import { browserSuite, type Viewer } from './support/viewers.js'

describe('trackers apart from the origin', () => {
  const suite = browserSuite({ perTest: true })
  const open = (origin: Origin, name: string): Promise<Viewer> => suite.open(origin.url, name)
  const stockTracker = async (): Promise<StockTracker> => {
    const tracker = await startStockTracker()
    suite.defer(() => tracker.close())
    return tracker
  }
  const sampleOrigin = async (trackers: string[]): Promise<Origin> => {
    const origin = await startOrigin({ kind: 'sample' }, { builtinTracker: false, trackers })
    suite.defer(() => origin.stop())
    await origin.whenReady()
    return origin
  }
  const fromPeers = async (viewer: Viewer): Promise<number> => (await viewer.stats()).bytesFromPeers

  it('viewers share through a stock bittorrent-tracker that nobody configured for them', async () => {
    const stock = await stockTracker()
    const origin = await sampleOrigin([stock.url])
    const magnet = playlistEntries((await getText(origin.playlistUrl)).text)[0]!.magnet!
    assert.deepEqual(magnet.trackers, [stock.url], 'the magnets name only the stock tracker')
    const first = await open(origin, 'first')
    const second = await open(origin, 'second')
    await eventually(async () => (await fromPeers(first)) + (await fromPeers(second)) > 0, 40_000, 'bytes from a peer')
  })

  it('viewers keep meeting and sharing when one of two trackers is down', async () => {
    const logger = pino({ level: process.env.LOG_LEVEL ?? 'silent' })
    const own: StandaloneTracker = await startStandaloneTracker({ port: 0, host: '127.0.0.1', logger })
    suite.defer(() => own.close())
    const stock = await stockTracker()
    const origin = await sampleOrigin([own.announceUrl, stock.url])
    const first = await open(origin, 'first')
    const second = await open(origin, 'second')
    await eventually(async () => (await first.stats()).peers > 0 && (await second.stats()).peers > 0, 30_000, 'the two to meet')
    await own.close()
    const before = (await fromPeers(first)) + (await fromPeers(second))
    // A newcomer meets them through the tracker that is still up, and the swarm keeps sharing.
    const third = await open(origin, 'third')
    await eventually(async () => (await third.stats()).peers > 0, 30_000, 'the newcomer to meet a viewer through the stock tracker')
    await eventually(
      async () => (await fromPeers(first)) + (await fromPeers(second)) + (await fromPeers(third)) > before,
      40_000,
      'bytes from peers after the tracker went down',
    )
    for (const viewer of [first, second, third]) {
      const playback = await viewer.playback()
      assert.equal(playback.waitingAfterFirstFrame, 0, `${viewer.name}: no stall`)
    }
  })
})
