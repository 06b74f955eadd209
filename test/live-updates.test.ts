import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { LiveUpstream } from './support/live-upstream.js'
import { eventually, getText, mediaSequence, playlistEntries, startOrigin } from './support/origin.js'

describe('a live upstream that changes under the origin', () => {
  it('follows header changes such as a raised EXT-X-TARGETDURATION', async () => {
    const upstream = new LiveUpstream(4, 400)
    await upstream.start()
    const origin = await startOrigin({ kind: 'remote', url: upstream.url }, { windowSegments: 3 })
    try {
      await origin.whenReady()
      assert.match((await getText(origin.playlistUrl)).text, /^#EXT-X-TARGETDURATION:1$/m)
      upstream.targetDuration = 2
      await eventually(
        async () => /^#EXT-X-TARGETDURATION:2$/m.test((await getText(origin.playlistUrl)).text),
        10_000,
        'the new target duration',
      )
    } finally {
      await origin.stop()
      await upstream.stop()
    }
  })

  it('continues after a packager restart (media sequence back to 0): monotonic sequence, one discontinuity', async () => {
    const upstream = new LiveUpstream(3, 400)
    upstream.head = 20
    upstream.firstSequence = 10
    await upstream.start()
    const origin = await startOrigin({ kind: 'remote', url: upstream.url }, { windowSegments: 4 })
    try {
      await origin.whenReady()
      const before = mediaSequence((await getText(origin.playlistUrl)).text)
      assert.ok(before >= 18, `starts near the upstream numbering: ${before}`)
      upstream.firstSequence = 0
      upstream.head = 0
      // The restarted upstream's segments arrive after a discontinuity, under ever-growing sequence numbers.
      const text = await eventually(
        async () => {
          const { text } = await getText(origin.playlistUrl)
          return playlistEntries(text).some((entry) => entry.tags.includes('#EXT-X-DISCONTINUITY')) && text
        },
        10_000,
        'a discontinuity after the restart',
      )
      const sequence = mediaSequence(text)
      assert.ok(sequence >= before, `media sequence never goes back: ${sequence} after ${before}`)
      const entries = playlistEntries(text)
      entries.forEach((entry, index) => assert.equal(entry.uri, `seg${sequence + index}.ts`, 'consecutive numbering'))
      assert.equal(entries.filter((entry) => entry.tags.includes('#EXT-X-DISCONTINUITY')).length, 1)
    } finally {
      await origin.stop()
      await upstream.stop()
    }
  })
})
