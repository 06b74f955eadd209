import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { Origin } from '../src/origin/origin.js'
import { getText, mediaSequence, playlistEntries, startOrigin, verifySegmentMagnet } from './support/origin.js'

describe('built-in sample', () => {
  let origin: Origin
  before(async () => {
    origin = await startOrigin({ kind: 'sample' }, { windowSegments: 4 })
    await origin.whenReady()
  })
  after(() => origin.stop())

  it('serves /stream.m3u8 with a magnet on every segment, each matching its .torrent and bytes', async () => {
    const { status, text, headers } = await getText(origin.playlistUrl)
    assert.equal(status, 200)
    assert.equal(headers.get('content-type'), 'application/vnd.apple.mpegurl')
    const entries = playlistEntries(text)
    assert.equal(entries.length, 4)
    for (const entry of entries) {
      assert.ok(entry.magnet, `segment ${entry.uri} has a magnet`)
      assert.equal(entry.magnet.webSeed, new URL(entry.uri, origin.playlistUrl).href)
      assert.deepEqual(entry.magnet.trackers, [new URL('announce', origin.url).href.replace(/^http/, 'ws')])
      await verifySegmentMagnet(entry.magnet)
    }
  })

  it('is live: no ENDLIST, and the media sequence starts at 0 and never goes back', async () => {
    const { text } = await getText(origin.playlistUrl)
    assert.doesNotMatch(text, /EXT-X-ENDLIST/)
    assert.doesNotMatch(text, /EXT-X-PLAYLIST-TYPE/)
    assert.equal(mediaSequence(text), 0)
  })
})
