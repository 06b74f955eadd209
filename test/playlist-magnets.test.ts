import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { buildMagnetUri, formatMagnetLine, readPlaylistMagnets, segmentKey, type SegmentMagnet } from '../src/protocol/index.js'

function magnet(infoHash: string, name: string): SegmentMagnet {
  return {
    infoHash,
    name,
    trackers: ['ws://origin.test/announce'],
    webSeed: `http://origin.test/${name}`,
    torrentUrl: `http://origin.test/${name}.torrent`,
  }
}

const A = 'a'.repeat(40)
const B = 'b'.repeat(40)
const C = 'c'.repeat(40)

// What the service worker and the hls.js loader read out of a playlist to tell the page client which swarms exist.
describe('reading the magnets of a media playlist', () => {
  it('pairs each magnet line with the URI that follows it, resolved against the playlist URL', () => {
    const text = [
      '#EXTM3U',
      '#EXT-X-TARGETDURATION:4',
      '#EXTINF:4,',
      formatMagnetLine(buildMagnetUri(magnet(A, 'seg1.ts'))),
      'seg1.ts',
      '#EXTINF:4,',
      'seg2.ts',
      '#EXT-X-DISCONTINUITY',
      '#EXTINF:4,',
      formatMagnetLine(buildMagnetUri(magnet(B, 'seg3.ts'))),
      'sub/seg3.ts?token=1',
    ].join('\n')
    const segments = readPlaylistMagnets(text, 'http://origin.test/live/stream.m3u8')
    assert.deepEqual(
      segments.map((segment) => [segment.url, segment.magnet.infoHash]),
      [
        ['http://origin.test/live/seg1.ts', A],
        ['http://origin.test/live/sub/seg3.ts?token=1', B],
      ],
    )
    assert.equal(segments[0]!.magnet.torrentUrl, 'http://origin.test/seg1.ts.torrent')
  })

  it('keys byte-range segments by their sub-range, continuing offsets the way RFC 8216 does', () => {
    const text = [
      '#EXTM3U',
      '#EXTINF:4,',
      '#EXT-X-BYTERANGE:1000@0',
      formatMagnetLine(buildMagnetUri(magnet(A, 'a'))),
      'all.ts',
      '#EXTINF:4,',
      '#EXT-X-BYTERANGE:500',
      formatMagnetLine(buildMagnetUri(magnet(B, 'b'))),
      'all.ts',
    ].join('\r\n')
    const segments = readPlaylistMagnets(text, 'http://origin.test/stream.m3u8')
    assert.deepEqual(
      segments.map((segment) => segmentKey(segment.url, segment.byteRange)),
      ['http://origin.test/all.ts#0+1000', 'http://origin.test/all.ts#1000+500'],
    )
  })

  it('skips a malformed magnet line without losing the segments around it', () => {
    const text = [
      '#EXTM3U',
      '#EXTINF:4,',
      '#EXT-X-LIVE-TORRENT-MAGNET:magnet:?xt=urn:btih:not-a-hash',
      'bad.ts',
      '#EXTINF:4,',
      formatMagnetLine(buildMagnetUri(magnet(C, 'good.ts'))),
      'good.ts',
    ].join('\n')
    const segments = readPlaylistMagnets(text, 'http://origin.test/stream.m3u8')
    assert.deepEqual(
      segments.map((segment) => segment.url),
      ['http://origin.test/good.ts'],
    )
  })
})
