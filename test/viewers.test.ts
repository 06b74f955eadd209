import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { p2pShare } from '../src/protocol/stats.js'
import { OriginDigests, sampleSwarm } from './support/viewers.js'

const STAGGER_MS = 4000
/** "Every viewer plays": currentTime advances at least this much within PLAY_WITHIN_MS of the viewer's start. */
const PLAYED_SECONDS = 20
const PLAY_WITHIN_MS = 30_000

/**
 * The first viewer's upload cap: half the sample's bitrate (about 296 kB per 4 s segment). Everyone who joins
 * after it first finds only this weak uploader; it must never hold their segments past their deadline.
 */
const WEAK_UPLOAD_BYTES_PER_S = 37_000

// The end-to-end scenario: the origin on the sample, viewers in separate Chromium contexts joining one
// after another through the demo page. Three use the service worker, one has P2P switched off, one uses the
// hls.js loader instead of the service worker. The first uploads at half the stream's bitrate, the third not at
// all: weak uploaders among normal ones.
describe('viewers share segments over WebRTC', () => {
  const swarm = sampleSwarm()
  const { viewers } = swarm
  const originDigests = new OriginDigests(viewers)

  it('every viewer plays without stalls, weak uploaders among them; later viewers get bytes from peers, and the player gets the origin bytes', async () => {
    const plan = [
      { name: 'first', query: '', config: { uploadLimit: WEAK_UPLOAD_BYTES_PER_S } },
      { name: 'second', query: '' },
      { name: 'p2p-off', query: '?p2p=0' },
      // Holds at most 3 segments (memory stays bounded) and uploads nothing; it still gets segments from peers.
      { name: 'third', query: '', config: { keepSegments: 3, uploadLimit: 0 } },
      { name: 'loader', query: '?path=loader' },
    ]
    for (const [index, step] of plan.entries()) {
      if (index > 0) await originDigests.sleepRecording(STAGGER_MS)
      await swarm.open(step.name, step.query, step.config)
    }
    const last = viewers[viewers.length - 1]!
    await originDigests.sleepRecording(Math.max(0, last.openedAt + PLAY_WITHIN_MS - Date.now()))

    const report = await Promise.all(
      viewers.map(async (viewer) => ({
        viewer,
        stats: await viewer.stats(),
        playback: await viewer.playback(),
        path: await viewer.page.evaluate(() => (window as unknown as { liveTorrent: { ready: Promise<string> } }).liveTorrent.ready),
      })),
    )
    const describeAll = JSON.stringify(
      report.map(({ viewer, stats, playback, path }) => ({
        name: viewer.name,
        path,
        stats,
        playback,
        problems: viewer.problems.slice(0, 5),
      })),
      null,
      1,
    )
    const byName = (name: string) => report.find((entry) => entry.viewer.name === name)!
    const shares = report.map(({ viewer, stats }) => `${viewer.name} ${Math.round(p2pShare(stats) * 100)} %`)
    process.stdout.write(`# share from peers: ${shares.join(', ')}\n`)

    for (const { viewer, stats, playback } of report) {
      // Each viewer was given PLAY_WITHIN_MS from its start: the last one exactly that, earlier ones more.
      assert.ok(playback.firstFrameTime !== null, `${viewer.name} never played\n${describeAll}`)
      const played = playback.currentTime - playback.firstFrameTime
      assert.ok(played >= PLAYED_SECONDS, `${viewer.name} played ${played.toFixed(1)} s\n${describeAll}`)
      assert.equal(playback.waitingAfterFirstFrame, 0, `${viewer.name} stalled\n${describeAll}`)
      assert.equal(stats.stalls, 0, `${viewer.name} counted stalls\n${describeAll}`)
    }
    for (const name of ['second', 'third']) {
      const { stats, path } = byName(name)
      assert.equal(path, 'service-worker', `${name} should use the service worker\n${describeAll}`)
      assert.ok(stats.bytesFromPeers > 0 && stats.peers > 0, `${name} got nothing from peers\n${describeAll}`)
    }
    // One more than keepSegments: a segment being handed to the player is kept until the next playlist refresh.
    assert.ok(byName('third').stats.segmentsHeld <= 4, `the third viewer holds too many segments\n${describeAll}`)
    assert.ok(byName('first').stats.segmentsHeld <= 12, `the first viewer holds too many segments\n${describeAll}`)
    assert.equal(byName('third').stats.bytesUploaded, 0, `a viewer with upload off uploaded\n${describeAll}`)
    const weak = byName('first')
    const weakSeconds = (Date.now() - weak.viewer.openedAt) / 1000
    // The cap holds over the run, give or take the throttle's burst (a piece or two).
    assert.ok(
      weak.stats.bytesUploaded <= WEAK_UPLOAD_BYTES_PER_S * weakSeconds * 1.2 + 64 * 1024,
      `the weak viewer uploaded ${weak.stats.bytesUploaded} bytes in ${weakSeconds.toFixed(0)} s\n${describeAll}`,
    )
    const loader = byName('loader')
    assert.equal(loader.path, 'loader', describeAll)
    assert.ok(loader.stats.bytesFromPeers > 0 && loader.stats.peers > 0, `the loader viewer did not share\n${describeAll}`)
    const off = byName('p2p-off')
    assert.equal(off.stats.p2pEnabled, false, describeAll)
    assert.equal(off.stats.bytesUploaded, 0, `a viewer with P2P off uploaded\n${describeAll}`)
    assert.equal(off.stats.bytesFromPeers, 0, describeAll)
    assert.equal(off.stats.peers, 0, describeAll)
    assert.ok(off.stats.bytesFromHttp > 0, `a viewer with P2P off still counts its HTTP bytes\n${describeAll}`)
    const uploadedByOthers = report
      .filter(({ viewer }) => viewer.name !== 'p2p-off')
      .reduce((sum, { stats }) => sum + stats.bytesUploaded, 0)
    assert.ok(uploadedByOthers > 0, describeAll)

    let checked = 0
    for (const viewer of viewers) checked += await originDigests.check(viewer)
    assert.ok(checked >= 20, `only ${checked} fragments could be checked against the origin\n${describeAll}`)
  })
})
