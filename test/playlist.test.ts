import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { Catalog } from '../src/origin/catalog.js'
import { Links } from '../src/origin/http/links.js'
import { rewriteMaster } from '../src/origin/playlist/master.js'
import { parseMasterPlaylist, parseMediaPlaylist } from '../src/origin/playlist/parse.js'
import type { PublishedSegment } from '../src/origin/playlist/published.js'
import { Rendition } from '../src/origin/rendition.js'
import { MAX_PIECES, MIN_PIECE_LENGTH, pieceLengthFor } from '../src/origin/torrent/piece-length.js'
import { hashSegment } from '../src/origin/torrent/segment-torrent.js'
import { formatMagnetLine, parseMagnetLine } from '../src/protocol/magnet-line.js'
import { buildMagnetUri, parseMagnetUri } from '../src/protocol/magnet.js'
import { playlistEntries } from './support/origin.js'

const BASE = 'https://up.example/live/index.m3u8'

function rendition(max: number | null, retired: Array<[PublishedSegment, number]> = []): Rendition {
  const catalog = new Catalog({ onInfoHashGone: () => {}, onSegmentDropped: () => {} })
  catalog.retireSegment = (segment, grace) => void retired.push([segment, grace])
  return new Rendition('', 'stream.m3u8', BASE, max, catalog)
}

function publishAll(target: Rendition, text: string, firstSequence = 0): void {
  const doc = parseMediaPlaylist(text, BASE)
  target.window.setHeader(doc.header.map((tag) => tag.raw))
  doc.segments.forEach((segment, index) => {
    const torrent = hashSegment(Buffer.from(`bytes of ${segment.url} ${index}`), `s${index}.ts`)
    target.publish(
      target.toPublished({
        upstream: segment,
        sequence: firstSequence + index,
        torrent,
        discontinuity: segment.discontinuity,
        bodyKey: `k${index}`,
      }),
    )
  })
}

const links = new Links('http://origin.test/', true, [])

describe('media playlist rewrite', () => {
  it('keeps every original tag, unknown ones included, and puts the magnet right before each URI', () => {
    const text = [
      '#EXTM3U',
      '#EXT-X-VERSION:6',
      '#EXT-X-TARGETDURATION:4',
      '#EXT-X-INDEPENDENT-SEGMENTS',
      '#EXT-X-CUSTOM-HEADER:foo=1',
      '#EXT-X-MEDIA-SEQUENCE:10',
      '#EXT-X-PROGRAM-DATE-TIME:2026-01-01T00:00:00.000Z',
      '#EXTINF:4.0,title one',
      '#EXT-X-VENDOR-THING:"a,b"',
      'https://cdn.example/a.ts?token=x',
      '#EXT-X-DATERANGE:ID="ad",START-DATE="2026-01-01T00:00:04Z"',
      '#EXTINF:4.0,',
      'b.ts',
      '',
    ].join('\n')
    const target = rendition(null)
    publishAll(target, text, 10)
    const out = target.window.render((segment) => links.magnetFor(segment))
    for (const tag of [
      '#EXT-X-VERSION:6',
      '#EXT-X-INDEPENDENT-SEGMENTS',
      '#EXT-X-CUSTOM-HEADER:foo=1',
      '#EXT-X-PROGRAM-DATE-TIME:2026-01-01T00:00:00.000Z',
      '#EXTINF:4.0,title one',
      '#EXT-X-VENDOR-THING:"a,b"',
      '#EXT-X-DATERANGE:ID="ad",START-DATE="2026-01-01T00:00:04Z"',
    ]) {
      assert.ok(out.includes(tag), `${tag} survives`)
    }
    assert.doesNotMatch(out, /token=x|cdn\.example/, 'upstream URLs and query strings never reach viewers')
    const lines = out.trim().split('\n')
    const entries = playlistEntries(out)
    assert.deepEqual(
      entries.map((e) => e.uri),
      ['seg10.ts', 'seg11.ts'],
    )
    for (const entry of entries) {
      const uriIndex = lines.indexOf(entry.uri)
      assert.ok(parseMagnetLine(lines[uriIndex - 1]!), 'the magnet line is right before the URI')
      assert.equal(entry.magnet!.webSeed, `http://origin.test/${entry.uri}`)
      assert.equal(entry.magnet!.torrentUrl, `http://origin.test/${entry.uri}.torrent`)
    }
    assert.match(out, /^#EXT-X-MEDIA-SEQUENCE:10$/m)
  })

  it('slides a live window: consecutive media sequence, discontinuity sequence counts what slid out, MAP re-emitted at the head', () => {
    const retired: Array<[PublishedSegment, number]> = []
    const target = rendition(2, retired)
    const text = [
      '#EXTM3U',
      '#EXT-X-TARGETDURATION:2',
      '#EXT-X-MAP:URI="init.mp4"',
      '#EXTINF:2,',
      'a.m4s',
      '#EXT-X-DISCONTINUITY',
      '#EXTINF:2,',
      'b.m4s',
      '#EXTINF:2,',
      'c.m4s',
      '#EXTINF:2,',
      'd.m4s',
    ].join('\n')
    const doc = parseMediaPlaylist(text, BASE)
    doc.segments.forEach((segment, index) => {
      const torrent = hashSegment(Buffer.from(`x${index}`), `s${index}`)
      target.publish(
        target.toPublished({
          upstream: segment,
          sequence: 5 + index,
          torrent,
          mapLine: '#EXT-X-MAP:URI="init.mp4"',
          discontinuity: segment.discontinuity,
          bodyKey: `k${index}`,
        }),
      )
    })
    const out = target.window.render((segment) => links.magnetFor(segment))
    assert.match(out, /^#EXT-X-MEDIA-SEQUENCE:7$/m)
    assert.match(out, /^#EXT-X-DISCONTINUITY-SEQUENCE:1$/m)
    assert.match(out, /^#EXT-X-MAP:URI="asset0.mp4"$/m, 'the init segment is re-announced for the window head, under the origin')
    assert.deepEqual(
      playlistEntries(out).map((e) => e.uri),
      ['seg7.m4s', 'seg8.m4s'],
    )
    assert.equal(retired.length, 2)
    // RFC 8216 6.2.2: kept for its duration plus the duration of the longest playlist that contained it.
    assert.equal(retired[0]![1], (2 + 4) * 1000)
  })

  it('writes explicit byte-range offsets, since the segment before may have left the window', () => {
    const text = [
      '#EXTM3U',
      '#EXT-X-TARGETDURATION:2',
      '#EXT-X-VERSION:4',
      '#EXTINF:2,',
      '#EXT-X-BYTERANGE:1000@0',
      'all.ts',
      '#EXTINF:2,',
      '#EXT-X-BYTERANGE:500',
      'all.ts',
    ].join('\n')
    const target = rendition(1)
    publishAll(target, text)
    const out = target.window.render((segment) => links.magnetFor(segment))
    assert.match(out, /^#EXT-X-BYTERANGE:500@1000$/m)
    assert.deepEqual(
      playlistEntries(out).map((e) => e.uri),
      ['asset0.ts'],
    )
  })

  it('rejects what is not a usable media playlist with a message that says why', () => {
    assert.throws(() => parseMediaPlaylist('<html>oops</html>', BASE), /not an HLS playlist/)
    assert.throws(() => parseMediaPlaylist('#EXTM3U\n#EXTINF:2,\na.ts\n', BASE), /TARGETDURATION/)
    assert.throws(() => parseMediaPlaylist('#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\nv.m3u8\n', BASE), /master playlist/)
  })
})

describe('master playlist rewrite', () => {
  it('points every variant, alternate rendition and I-frame playlist at the origin and keeps all attributes', () => {
    const text = [
      '#EXTM3U',
      '#EXT-X-INDEPENDENT-SEGMENTS',
      '#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="aud",NAME="English",LANGUAGE="en",DEFAULT=YES,AUTOSELECT=YES,URI="audio/en.m3u8"',
      '#EXT-X-STREAM-INF:BANDWIDTH=800000,RESOLUTION=640x360,CODECS="avc1.4d401e,mp4a.40.2",AUDIO="aud"',
      'low/index.m3u8?sig=1',
      '#EXT-X-STREAM-INF:BANDWIDTH=2000000,RESOLUTION=1280x720,CODECS="avc1.4d401f,mp4a.40.2",AUDIO="aud"',
      'https://other.example/high.m3u8',
      '#EXT-X-I-FRAME-STREAM-INF:BANDWIDTH=100000,URI="low/iframe.m3u8"',
    ].join('\n')
    const { text: out, references } = rewriteMaster(parseMasterPlaylist(text, 'https://up.example/master.m3u8'), () => 'asset0')
    assert.match(
      out,
      /^#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="aud",NAME="English",LANGUAGE="en",DEFAULT=YES,AUTOSELECT=YES,URI="a0\/index.m3u8"$/m,
    )
    assert.match(out, /^#EXT-X-STREAM-INF:BANDWIDTH=800000,RESOLUTION=640x360,CODECS="avc1.4d401e,mp4a.40.2",AUDIO="aud"\nv0\/index.m3u8$/m)
    assert.match(out, /^v1\/index.m3u8$/m)
    assert.match(out, /URI="i0\/index.m3u8"/)
    assert.deepEqual(
      references.map((r) => r.url),
      [
        'https://up.example/audio/en.m3u8',
        'https://up.example/low/index.m3u8?sig=1',
        'https://other.example/high.m3u8',
        'https://up.example/low/iframe.m3u8',
      ],
    )
  })
})

describe('segment torrents', () => {
  it('piece length: a power of two, at least one 16 KiB block, at most 32 pieces, for 50 KB to 20 MB', () => {
    for (const size of [50_000, 200_000, 1_000_000, 5_000_000, 20_000_000]) {
      const length = pieceLengthFor(size)
      assert.ok(length >= MIN_PIECE_LENGTH && (length & (length - 1)) === 0, `${size}: ${length}`)
      assert.ok(Math.ceil(size / length) <= MAX_PIECES, `${size}: ${Math.ceil(size / length)} pieces`)
      assert.ok(length === MIN_PIECE_LENGTH || Math.ceil(size / (length / 2)) > MAX_PIECES, 'the smallest length that fits')
    }
  })

  it('the same bytes always give the same infohash; one changed byte gives another', () => {
    const bytes = Buffer.alloc(100_000, 7)
    const a = hashSegment(bytes, 'seg.ts')
    assert.equal(hashSegment(Buffer.from(bytes), 'seg.ts').infoHash, a.infoHash)
    bytes[50_000] = 8
    assert.notEqual(hashSegment(bytes, 'seg.ts').infoHash, a.infoHash)
    assert.equal(a.pieceCount, Math.ceil(100_000 / a.pieceLength))
  })

  it('magnet links are standard and round-trip (xt, dn, tr, ws, xs)', () => {
    const magnet = {
      infoHash: 'a'.repeat(40),
      name: 'seg 1.ts',
      trackers: ['ws://h/announce'],
      webSeed: 'http://h/seg1.ts',
      torrentUrl: 'http://h/seg1.ts.torrent',
    }
    const uri = buildMagnetUri(magnet)
    assert.match(uri, /^magnet:\?/)
    for (const key of ['xt=urn:btih:', 'dn=', 'tr=', 'ws=', 'xs=']) assert.ok(uri.includes(key), key)
    assert.deepEqual(parseMagnetUri(uri), magnet)
    assert.equal(parseMagnetLine(formatMagnetLine(uri)), uri)
    assert.equal(parseMagnetLine('#EXTINF:4,'), null)
  })
})

describe('playlists an upstream should never send', () => {
  const url = 'https://upstream.test/live.m3u8'
  it('refuses an absurd target duration (the origin reloads at that cadence) and a master naming thousands of playlists', () => {
    assert.throws(
      () => parseMediaPlaylist('#EXTM3U\n#EXT-X-TARGETDURATION:86400\n#EXTINF:4,\ns.ts\n', url),
      /TARGETDURATION .* is over 3600 s/,
    )
    const giant = `#EXTM3U\n${Array.from({ length: 300 }, (_, i) => `#EXT-X-STREAM-INF:BANDWIDTH=${i + 1}\nv${i}.m3u8`).join('\n')}\n`
    assert.throws(() => rewriteMaster(parseMasterPlaylist(giant, url), () => 'a.bin'), /names more than 256 media playlists/)
    assert.throws(
      () => rewriteMaster(parseMasterPlaylist('#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\nhttp://[\n', url), () => 'a.bin'),
      /malformed URI/,
    )
  })
})
