import assert from 'node:assert/strict'
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { after, before, describe, test } from 'node:test'

import { makeByteRangeVod, makeFmp4Vod, makeMasterWithAudioGroup, makeTsVod, startLivePackager } from './support/media.js'
import { eventually } from './support/origin.js'

const uris = (playlist: string): string[] =>
  playlist
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))

describe('test media helpers', { concurrency: true }, () => {
  let root: string
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'lt-media-'))
  })
  after(async () => {
    await rm(root, { recursive: true, force: true })
  })

  test('makeTsVod writes an MPEG-TS VOD', async () => {
    const path = await makeTsVod(join(root, 'ts'), { segments: 3, segmentSeconds: 1 })
    assert.equal(path, join(root, 'ts', 'index.m3u8'))
    const playlist = await readFile(path, 'utf8')
    assert.deepEqual(uris(playlist), ['seg0.ts', 'seg1.ts', 'seg2.ts'])
    assert.match(playlist, /#EXT-X-ENDLIST/)
    const head = (await readFile(join(root, 'ts', 'seg0.ts'))).subarray(0, 1)
    assert.equal(head[0], 0x47)
  })

  test('makeFmp4Vod writes an fMP4 VOD with an init segment', async () => {
    const path = await makeFmp4Vod(join(root, 'fmp4'), { segments: 2, segmentSeconds: 1 })
    const playlist = await readFile(path, 'utf8')
    assert.match(playlist, /#EXT-X-MAP:URI="init\.mp4"/)
    assert.deepEqual(uris(playlist), ['seg0.m4s', 'seg1.m4s'])
    const init = await readFile(join(root, 'fmp4', 'init.mp4'))
    assert.equal(init.subarray(4, 8).toString('latin1'), 'ftyp')
  })

  test('makeByteRangeVod writes byte ranges into one file', async () => {
    const path = await makeByteRangeVod(join(root, 'br'), { segments: 3, segmentSeconds: 1 })
    const playlist = await readFile(path, 'utf8')
    assert.deepEqual(uris(playlist), ['media.ts', 'media.ts', 'media.ts'])
    const ranges = [...playlist.matchAll(/#EXT-X-BYTERANGE:(\d+)@(\d+)/g)].map((m) => [Number(m[1]), Number(m[2])])
    assert.equal(ranges.length, 3)
    let offset = 0
    for (const [length, start] of ranges) {
      assert.equal(start, offset, 'ranges are contiguous')
      offset += length!
    }
    assert.equal((await stat(join(root, 'br', 'media.ts'))).size, offset)
  })

  test('makeMasterWithAudioGroup writes two video renditions sharing an audio group', async () => {
    const path = await makeMasterWithAudioGroup(join(root, 'master'), { segments: 2, segmentSeconds: 1 })
    const master = await readFile(path, 'utf8')
    const group = /#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="([^"]+)".*URI="([^"]+)"/.exec(master)
    assert.ok(group, master)
    const [, groupId, audioUri] = group
    const videoVariants = master.split('\n').filter((l) => l.startsWith('#EXT-X-STREAM-INF') && /RESOLUTION=/.test(l))
    assert.equal(videoVariants.length, 2, master)
    for (const v of videoVariants) assert.ok(v.includes(`AUDIO="${groupId}"`), v)
    assert.match(master, /RESOLUTION=320x180/)
    assert.match(master, /RESOLUTION=160x90/)
    for (const uri of [audioUri!, 'video_hi/index.m3u8', 'video_lo/index.m3u8']) {
      const media = await readFile(join(dirname(path), uri), 'utf8')
      assert.ok(uris(media).length >= 2, `${uri} has segments`)
    }
  })

  test('startLivePackager writes a growing live playlist until stopped', async () => {
    const live = await startLivePackager(join(root, 'live'), { segmentSeconds: 1 })
    try {
      const first = await eventually(
        async () => {
          const text = await readFile(live.playlistPath, 'utf8').catch(() => '')
          return uris(text).length >= 2 ? text : undefined
        },
        15_000,
        'two listed segments',
      )
      assert.doesNotMatch(first, /#EXT-X-ENDLIST/)
      assert.doesNotMatch(first, /\.tmp/)
      for (const name of uris(first)) {
        const size = (await stat(join(root, 'live', name))).size
        assert.equal(size % 188, 0, `${name} is complete`)
      }
    } finally {
      await live.stop()
    }
  })
})
