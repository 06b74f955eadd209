import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { launchChromium, playWithHlsJs, type Browser } from './support/browser.js'
import { makeFmp4Vod, makeMasterWithAudioGroup } from './support/media.js'
import { startOrigin } from './support/origin.js'

// The rewritten feed stays a plain HLS feed: hls.js in a real Chromium plays it with no P2P involved.
describe('hls.js in Chromium plays the origin feed, no P2P', () => {
  let browser: Browser
  let dir: string
  before(async () => {
    browser = await launchChromium()
    dir = await mkdtemp(join(tmpdir(), 'lt-playback-'))
  })
  after(async () => {
    await browser.close()
    await rm(dir, { recursive: true, force: true })
  })

  it('plays the built-in sample, looped live, without stalls and near the live edge', async () => {
    const origin = await startOrigin({ kind: 'sample' })
    try {
      await origin.whenReady()
      const report = await playWithHlsJs(browser, origin.playlistUrl, { seconds: 6 })
      assert.deepEqual(report.fatalErrors, [])
      assert.ok(report.playedSeconds >= 6, `played ${report.playedSeconds} s`)
      assert.equal(report.stalls, 0)
      assert.ok(report.fragmentsLoaded >= 2)
      assert.ok(
        report.fragmentUrls.every((url) => url.startsWith(origin.url)),
        'every fragment came from the origin',
      )
      assert.ok(report.latencySeconds !== null && report.latencySeconds < 30, `live latency ${report.latencySeconds}`)
    } finally {
      await origin.stop()
    }
  })

  it('plays a master playlist with two video renditions and an alternate audio group', async () => {
    const masterDir = join(dir, 'master')
    await makeMasterWithAudioGroup(masterDir, { segments: 4, segmentSeconds: 1 })
    const origin = await startOrigin({ kind: 'folder', dir: masterDir })
    try {
      await origin.whenReady()
      const report = await playWithHlsJs(browser, origin.playlistUrl, { seconds: 2 })
      assert.deepEqual(report.fatalErrors, [])
      assert.ok(report.playedSeconds >= 2, `played ${report.playedSeconds} s`)
      assert.ok(report.levels >= 2, `levels ${report.levels}`)
      assert.ok(report.audioTracks >= 1, `audio tracks ${report.audioTracks}`)
    } finally {
      await origin.stop()
    }
  })

  it('plays fMP4 (EXT-X-MAP init segment proxied by the origin)', async () => {
    const fmp4Dir = join(dir, 'fmp4')
    await makeFmp4Vod(fmp4Dir, { segments: 3, segmentSeconds: 1 })
    const origin = await startOrigin({ kind: 'folder', dir: fmp4Dir })
    try {
      await origin.whenReady()
      const report = await playWithHlsJs(browser, origin.playlistUrl, { seconds: 2 })
      assert.deepEqual(report.fatalErrors, [])
      assert.ok(report.playedSeconds >= 2, `played ${report.playedSeconds} s`)
    } finally {
      await origin.stop()
    }
  })
})
