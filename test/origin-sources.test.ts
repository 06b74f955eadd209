// Each source kind the origin accepts, checked the way a viewer (or a player) would notice: what the served
// playlists say, that every segment carries a magnet that checks out, and that the bytes served are the
// bytes the source holds.
import assert from 'node:assert/strict'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, normalize } from 'node:path'
import { after, before, describe, it, type TestContext } from 'node:test'
import type { Origin } from '../src/origin/origin.js'
import { MAGNET_TAG } from '../src/protocol/magnet-line.js'
import { makeByteRangeVod, makeFmp4Vod, makeMasterWithAudioGroup, makeMp4, makeTsVod, startLivePackager } from './support/media.js'
import {
  eventually,
  getBytes,
  getText,
  mediaSequence,
  playlistEntries,
  startOrigin,
  verifySegmentMagnet,
  type PlaylistEntry,
} from './support/origin.js'

const MAGNET_PREFIX = `#${MAGNET_TAG}:`

/** Non-empty, trimmed lines. */
function lines(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
}

/**
 * Checks a served media playlist: every URI line is directly preceded by a magnet line, and there are no magnet
 * lines elsewhere. Returns the entries, each with its magnet.
 */
function checkMagnets(text: string): Array<PlaylistEntry & { magnet: NonNullable<PlaylistEntry['magnet']> }> {
  const all = lines(text)
  let magnetLines = 0
  all.forEach((line, index) => {
    if (line.startsWith(MAGNET_PREFIX)) {
      magnetLines++
      const next = all[index + 1]
      assert.ok(next !== undefined && !next.startsWith('#'), `magnet line ${index} is not right before a URI line:\n${text}`)
    } else if (!line.startsWith('#')) {
      assert.ok(all[index - 1]?.startsWith(MAGNET_PREFIX), `segment ${line} has no magnet line right before it:\n${text}`)
    }
  })
  const entries = playlistEntries(text)
  assert.equal(magnetLines, entries.length)
  return entries.map((entry) => {
    assert.ok(entry.magnet, `segment ${entry.uri} has a magnet`)
    return entry as PlaylistEntry & { magnet: NonNullable<PlaylistEntry['magnet']> }
  })
}

function discontinuitySequence(text: string): number {
  const match = /^#EXT-X-DISCONTINUITY-SEQUENCE:(\d+)/m.exec(text)
  return match ? Number(match[1]) : 0
}

function isTsFile(bytes: Buffer): boolean {
  return bytes.length > 0 && bytes.length % 188 === 0 && bytes[0] === 0x47
}

/** Replaces the quoted URI attribute of a tag line by a placeholder, to compare tags "modulo URI". */
function withoutUri(tag: string): string {
  return tag.replace(/URI="[^"]*"/, 'URI="*"')
}

function uriAttribute(tag: string): string | undefined {
  return /URI="([^"]*)"/.exec(tag)?.[1]
}

/** A small static HTTP server over a folder with `bytes=a-b` Range support, plus routes a test adds. */
interface TestServer {
  url: string
  close(): Promise<void>
}

async function startTestServer(
  root: string,
  route?: (req: IncomingMessage, res: ServerResponse, url: URL) => boolean | Promise<boolean>,
): Promise<TestServer> {
  const server: Server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://localhost')
      if (route && (await route(req, res, url))) return
      const path = normalize(join(root, decodeURIComponent(url.pathname)))
      if (!path.startsWith(root)) return void res.writeHead(400).end()
      const bytes = await readFile(path).catch(() => null)
      if (!bytes) return void res.writeHead(404).end()
      const type = path.endsWith('.m3u8') ? 'application/vnd.apple.mpegurl' : 'application/octet-stream'
      const range = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? '')
      if (range) {
        const start = Number(range[1])
        const end = Math.min(Number(range[2]), bytes.length - 1)
        res.writeHead(206, { 'content-type': type, 'content-range': `bytes ${start}-${end}/${bytes.length}` })
        return void res.end(bytes.subarray(start, end + 1))
      }
      res.writeHead(200, { 'content-type': type }).end(bytes)
    })().catch(() => res.writeHead(500).end())
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

describe('origin sources', { concurrency: true }, () => {
  let root: string
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'lt-sources-'))
  })
  after(async () => {
    await rm(root, { recursive: true, force: true })
  })

  async function origin(t: TestContext, ...args: Parameters<typeof startOrigin>): Promise<Origin> {
    const started = await startOrigin(...args)
    t.after(() => started.stop())
    return started
  }

  it('folder that a live ffmpeg writes into: sliding window of 3, monotonic media sequence, only complete segments', async (t) => {
    const dir = join(root, 'live-folder')
    const packager = await startLivePackager(dir, { segmentSeconds: 1 })
    t.after(() => packager.stop())
    const o = await origin(t, { kind: 'folder', dir }, { windowSegments: 3 })

    const served = new Map<string, { infoHash: string; bytes: Buffer; name: string }>()
    const sequences: number[] = []
    const read = async (): Promise<{ text: string; sequence: number; count: number }> => {
      const { status, text } = await getText(o.playlistUrl)
      assert.equal(status, 200, text)
      assert.doesNotMatch(text, /#EXT-X-ENDLIST/)
      assert.doesNotMatch(text, /#EXT-X-PLAYLIST-TYPE/)
      const entries = checkMagnets(text)
      assert.ok(entries.length <= 3, `window of at most 3 segments, got ${entries.length}:\n${text}`)
      const sequence = mediaSequence(text)
      sequences.push(sequence)
      for (const entry of entries) {
        const known = served.get(entry.uri)
        if (known) {
          assert.equal(entry.magnet.infoHash, known.infoHash, `${entry.uri} keeps its infohash`)
          continue
        }
        const { status: segmentStatus, bytes } = await getBytes(new URL(entry.uri, o.playlistUrl).href)
        assert.equal(segmentStatus, 200)
        assert.ok(isTsFile(bytes), `${entry.uri} (${bytes.length} bytes) is whole MPEG-TS packets starting with a sync byte`)
        served.set(entry.uri, { infoHash: entry.magnet.infoHash, bytes, name: entry.magnet.name })
      }
      return { text, sequence, count: entries.length }
    }

    await o.whenReady(20_000)
    const full = await eventually(
      async () => {
        const r = await read()
        return r.count === 3 && r
      },
      15_000,
      'three segments in the window',
    )
    await eventually(async () => (await read()).sequence >= full.sequence + 2, 10_000, 'the window to advance twice')
    for (let i = 1; i < sequences.length; i++) {
      assert.ok(sequences[i]! >= sequences[i - 1]!, `media sequence never goes back: ${sequences.join(',')}`)
    }
    assert.ok(sequences.at(-1)! > sequences[0]!, 'media sequence grew')

    const lastText = (await getText(o.playlistUrl)).text
    const magnets = checkMagnets(lastText).map((entry) => entry.magnet)
    for (const magnet of [magnets[0]!, magnets.at(-1)!]) await verifySegmentMagnet(magnet)

    await packager.stop()
    // Every segment served equals, byte for byte, the file ffmpeg finished writing: never a partial one.
    for (const [uri, segment] of served) {
      assert.match(segment.name, /^seg\d+\.ts$/)
      const onDisk = await readFile(join(dir, segment.name))
      assert.equal(segment.bytes.length, onDisk.length, `${uri} (${segment.name}) has the size of the finished file`)
      assert.ok(segment.bytes.equals(onDisk), `${uri} (${segment.name}) has the bytes ffmpeg wrote`)
    }
    assert.ok(served.size >= 5, `saw ${served.size} segments`)
  })

  it('looped finished folder: endless live stream, discontinuity at each wrap, same content keeps its infohash', async (t) => {
    const dir = join(root, 'loop-vod')
    await makeTsVod(dir, { segments: 3, segmentSeconds: 1 })
    const o = await origin(t, { kind: 'folder', dir }, { loop: true, windowSegments: 2 })
    await o.whenReady(20_000)

    const bySequence = new Map<number, { infoHash: string; tags: string[] }>()
    const firstSequences: number[] = []
    await eventually(
      async () => {
        const { status, text } = await getText(o.playlistUrl)
        assert.equal(status, 200)
        assert.doesNotMatch(text, /#EXT-X-ENDLIST/)
        assert.doesNotMatch(text, /#EXT-X-PLAYLIST-TYPE/)
        const entries = checkMagnets(text)
        assert.ok(entries.length <= 2, `window of at most 2:\n${text}`)
        const first = mediaSequence(text)
        firstSequences.push(first)
        // Wraps (every 3rd segment after the first cycle) that slid out of the window are counted.
        const wrapsGone = Math.floor(Math.max(0, first - 1) / 3)
        assert.equal(discontinuitySequence(text), wrapsGone, `EXT-X-DISCONTINUITY-SEQUENCE at media sequence ${first}:\n${text}`)
        entries.forEach((entry, index) => bySequence.set(first + index, { infoHash: entry.magnet.infoHash, tags: entry.tags }))
        return first + entries.length - 1 >= 7 || undefined
      },
      15_000,
      'the loop to run past two wraps',
    )

    for (let i = 1; i < firstSequences.length; i++)
      assert.ok(firstSequences[i]! >= firstSequences[i - 1]!, 'media sequence never goes back')
    for (let sequence = 0; sequence <= 7; sequence++) {
      const seen = bySequence.get(sequence)
      assert.ok(seen, `segment ${sequence} was seen in the playlist`)
      const wrap = sequence > 0 && sequence % 3 === 0
      assert.equal(
        seen.tags.includes('#EXT-X-DISCONTINUITY'),
        wrap,
        `segment ${sequence}: discontinuity only at a wrap (${seen.tags.join(' ')})`,
      )
      assert.equal(
        seen.infoHash,
        bySequence.get(sequence % 3)!.infoHash,
        `segment ${sequence} has the infohash of VOD segment ${sequence % 3}`,
      )
    }
    const distinct = new Set([0, 1, 2].map((s) => bySequence.get(s)!.infoHash))
    assert.equal(distinct.size, 3, 'the three VOD segments have three infohashes')

    const { text } = await getText(o.playlistUrl)
    for (const entry of checkMagnets(text)) {
      const bytes = await verifySegmentMagnet(entry.magnet)
      assert.ok(bytes.equals(await readFile(join(dir, entry.magnet.name))), `${entry.uri} serves ${entry.magnet.name}`)
    }
  })

  it('finished folder without --loop: served as a VOD with every segment and ENDLIST', async (t) => {
    const dir = join(root, 'vod')
    await makeTsVod(dir, { segments: 3, segmentSeconds: 1 })
    const o = await origin(t, { kind: 'folder', dir }, { windowSegments: 2 })
    await o.whenReady(20_000)
    const { status, text } = await getText(o.playlistUrl)
    assert.equal(status, 200)
    assert.match(text, /#EXT-X-ENDLIST\s*$/)
    assert.match(text, /^#EXT-X-PLAYLIST-TYPE:VOD$/m)
    assert.equal(mediaSequence(text), 0)
    const entries = checkMagnets(text)
    assert.equal(entries.length, 3, 'every segment, regardless of the live window size')
    for (const [index, entry] of entries.entries()) {
      const bytes = await verifySegmentMagnet(entry.magnet)
      assert.ok(bytes.equals(await readFile(join(dir, `seg${index}.ts`))), `${entry.uri} is seg${index}.ts`)
    }
  })

  it('remote live feed whose window advances: followed, bytes intact, upstream query strings hidden', async (t) => {
    const srcDir = join(root, 'remote-live')
    await makeTsVod(srcDir, { segments: 8, segmentSeconds: 1 })
    const vod = lines(await readFile(join(srcDir, 'index.m3u8'), 'utf8'))
    const durations = vod.filter((l) => l.startsWith('#EXTINF:'))
    const targetDuration = vod.find((l) => l.startsWith('#EXT-X-TARGETDURATION:'))!
    const started = Date.now()
    const WINDOW = 3
    const MAX_START = durations.length - WINDOW
    let tokenMisses = 0
    let base = ''
    const server = await startTestServer(srcDir, (_req, res, url) => {
      if (url.pathname === '/live/index.m3u8') {
        const start = Math.min(MAX_START, Math.floor((Date.now() - started) / 1000))
        const out = ['#EXTM3U', '#EXT-X-VERSION:3', targetDuration, `#EXT-X-MEDIA-SEQUENCE:${start}`]
        for (let i = start; i < start + WINDOW; i++) {
          // Even segments: absolute URIs with a token; odd ones: relative to the playlist.
          out.push(durations[i]!, i % 2 === 0 ? `${base}media/seg${i}.ts?token=abc&v=1` : `seg${i}.ts`)
        }
        res.writeHead(200, { 'content-type': 'application/vnd.apple.mpegurl' }).end(out.join('\n') + '\n')
        return true
      }
      const media = /^\/media\/(seg\d+\.ts)$/.exec(url.pathname)
      const relative = /^\/live\/(seg\d+\.ts)$/.exec(url.pathname)
      if (media && url.searchParams.get('token') !== 'abc') {
        tokenMisses++
        res.writeHead(403).end()
        return true
      }
      const name = media?.[1] ?? relative?.[1]
      if (!name) return false
      void readFile(join(srcDir, name)).then((bytes) => res.writeHead(200, { 'content-type': 'video/mp2t' }).end(bytes))
      return true
    })
    base = server.url
    t.after(() => server.close())

    const o = await origin(t, { kind: 'remote', url: `${server.url}live/index.m3u8` }, { windowSegments: 3 })
    await o.whenReady(15_000)
    const sequences: number[] = []
    const names = new Set<string>()
    const firstRead = mediaSequence((await getText(o.playlistUrl)).text)
    await eventually(
      async () => {
        const { status, text } = await getText(o.playlistUrl)
        assert.equal(status, 200)
        assert.doesNotMatch(text, /token/, 'no upstream query string in the served playlist')
        assert.ok(!text.includes(server.url) && !text.includes(new URL(server.url).host), 'no upstream URL in the served playlist')
        assert.doesNotMatch(text, /#EXT-X-ENDLIST/)
        const entries = checkMagnets(text)
        assert.ok(entries.length >= 1 && entries.length <= 3, `window of 1 to 3:\n${text}`)
        for (const entry of entries) {
          assert.ok(!entry.uri.includes('?'), `served URI ${entry.uri} carries no query string`)
          if (!names.has(entry.magnet.name)) {
            names.add(entry.magnet.name)
            assert.match(entry.magnet.name, /^seg\d+\.ts$/)
            const { bytes } = await getBytes(new URL(entry.uri, o.playlistUrl).href)
            assert.ok(bytes.equals(await readFile(join(srcDir, entry.magnet.name))), `${entry.uri} has the bytes of ${entry.magnet.name}`)
          }
        }
        sequences.push(mediaSequence(text))
        return sequences.at(-1)! >= firstRead + 2
      },
      12_000,
      'the origin to follow the advancing upstream window',
    )
    for (let i = 1; i < sequences.length; i++)
      assert.ok(sequences[i]! >= sequences[i - 1]!, `media sequence never goes back: ${sequences.join(',')}`)
    assert.equal(tokenMisses, 0, 'the origin kept the upstream query string when fetching')
    assert.ok(
      [...names].some((n) => Number(/\d+/.exec(n)![0]) % 2 === 0) && [...names].some((n) => Number(/\d+/.exec(n)![0]) % 2 === 1),
      'both URI forms were followed',
    )

    const { text } = await getText(o.playlistUrl)
    for (const entry of checkMagnets(text).slice(0, 2)) await verifySegmentMagnet(entry.magnet)
  })

  it('remote master playlist with two video renditions and an audio group: tags kept, only URIs rewritten', async (t) => {
    const srcDir = join(root, 'master')
    const masterPath = await makeMasterWithAudioGroup(srcDir, { segments: 2, segmentSeconds: 1 })
    const server = await startTestServer(srcDir)
    t.after(() => server.close())
    const o = await origin(t, { kind: 'remote', url: `${server.url}master.m3u8` })
    await o.whenReady(20_000)

    const original = lines(await readFile(masterPath, 'utf8'))
    const { status, text } = await getText(o.playlistUrl)
    assert.equal(status, 200)
    const served = lines(text)
    assert.equal(served.length, original.length, `same lines:\n${text}`)
    assert.ok(original.some((l) => l.startsWith('#EXT-X-MEDIA:') && l.includes('GROUP-ID="group_aud"')))
    assert.equal(served.filter((l) => l.startsWith('#EXT-X-STREAM-INF:')).length, 3)

    // Served URI (relative to /stream.m3u8) -> original playlist URI (relative to master.m3u8).
    const renditions = new Map<string, string>()
    original.forEach((line, index) => {
      const mine = served[index]!
      if (!line.startsWith('#')) {
        assert.ok(!mine.startsWith('#'), `line ${index} stays a URI line`)
        renditions.set(mine, line)
      } else if (uriAttribute(line) !== undefined) {
        assert.equal(withoutUri(mine), withoutUri(line), `line ${index}: only the URI changes`)
        renditions.set(uriAttribute(mine)!, uriAttribute(line)!)
      } else {
        assert.equal(mine, line, `line ${index} is kept verbatim`)
      }
    })
    assert.ok(served.some((l) => /^#EXT-X-STREAM-INF:BANDWIDTH=\d+,RESOLUTION=320x180,CODECS="[^"]+",AUDIO="group_aud"$/.test(l)))
    assert.ok(served.some((l) => /^#EXT-X-STREAM-INF:BANDWIDTH=\d+,RESOLUTION=160x90,CODECS="[^"]+",AUDIO="group_aud"$/.test(l)))
    assert.deepEqual(new Set(renditions.values()), new Set(['audio/index.m3u8', 'video_hi/index.m3u8', 'video_lo/index.m3u8']))
    // Each distinct upstream rendition has one served playlist.
    assert.equal(new Set(renditions.keys()).size, 3)

    const infoHashes = new Set<string>()
    let segments = 0
    for (const [servedUri, originalUri] of renditions) {
      const playlistUrl = new URL(servedUri, o.playlistUrl).href
      const rendition = await getText(playlistUrl)
      assert.equal(rendition.status, 200, `${servedUri} is served`)
      assert.match(rendition.text, /#EXT-X-ENDLIST/)
      const upstream = lines(await readFile(join(srcDir, originalUri), 'utf8')).filter((l) => !l.startsWith('#'))
      const entries = checkMagnets(rendition.text)
      assert.equal(entries.length, upstream.length, `${servedUri} lists every segment of ${originalUri}`)
      for (const [index, entry] of entries.entries()) {
        const bytes = await verifySegmentMagnet(entry.magnet)
        const originalBytes = await readFile(join(srcDir, originalUri, '..', upstream[index]!))
        assert.ok(bytes.equals(originalBytes), `${servedUri} segment ${index} has the bytes of ${originalUri} ${upstream[index]}`)
        infoHashes.add(entry.magnet.infoHash)
        segments++
      }
    }
    assert.ok(segments >= 6)
    assert.equal(infoHashes.size, segments, 'each rendition segment is its own torrent')
  })

  it('fMP4 playlist file: EXT-X-MAP kept with a URI the origin serves, init bytes intact, segments with magnets', async (t) => {
    const dir = join(root, 'fmp4')
    const path = await makeFmp4Vod(dir, { segments: 3, segmentSeconds: 1 })
    const o = await origin(t, { kind: 'playlist-file', path })
    await o.whenReady(20_000)
    const { status, text } = await getText(o.playlistUrl)
    assert.equal(status, 200)
    const originalMap = lines(await readFile(path, 'utf8')).find((l) => l.startsWith('#EXT-X-MAP:'))!
    const maps = lines(text).filter((l) => l.startsWith('#EXT-X-MAP:'))
    assert.equal(maps.length, 1, `one EXT-X-MAP:\n${text}`)
    assert.equal(withoutUri(maps[0]!), withoutUri(originalMap))
    const initUri = uriAttribute(maps[0]!)!
    assert.ok(!initUri.includes('://') && !initUri.startsWith('/'), `init URI ${initUri} is relative to the origin's playlist`)
    const init = await getBytes(new URL(initUri, o.playlistUrl).href)
    assert.equal(init.status, 200)
    assert.ok(init.bytes.equals(await readFile(join(dir, 'init.mp4'))), 'init segment bytes equal init.mp4')
    assert.ok(
      lines(text).indexOf(maps[0]!) < lines(text).findIndex((l) => l.startsWith('#EXTINF')),
      'EXT-X-MAP comes before the first segment',
    )

    const entries = checkMagnets(text)
    assert.equal(entries.length, 3)
    for (const [index, entry] of entries.entries()) {
      const bytes = await verifySegmentMagnet(entry.magnet)
      assert.ok(bytes.equals(await readFile(join(dir, `seg${index}.m4s`))), `${entry.uri} is seg${index}.m4s`)
    }
  })

  it('byte-range segments: EXT-X-BYTERANGE kept with explicit offsets, Range requests and web seeds serve exactly the range', async (t) => {
    const srcDir = join(root, 'byterange')
    const path = await makeByteRangeVod(srcDir, { segments: 3, segmentSeconds: 1 })
    const media = await readFile(join(srcDir, 'media.ts'))
    const originalLines = lines(await readFile(path, 'utf8'))
    const ranges = originalLines
      .filter((l) => l.startsWith('#EXT-X-BYTERANGE:'))
      .map((l) => /^#EXT-X-BYTERANGE:(\d+)@(\d+)$/.exec(l)!)
      .map((m) => ({ length: Number(m[1]), offset: Number(m[2]) }))
    assert.equal(ranges.length, 3)
    // Upstream leaves offsets implicit after the first range (RFC 8216 4.3.2.2): the origin must write them out.
    const implicit =
      originalLines.map((l) => (l.startsWith('#EXT-X-BYTERANGE:') && !l.endsWith('@0') ? l.replace(/@\d+$/, '') : l)).join('\n') + '\n'
    const server = await startTestServer(srcDir, (_req, res, url) => {
      if (url.pathname !== '/index.m3u8') return false
      res.writeHead(200, { 'content-type': 'application/vnd.apple.mpegurl' }).end(implicit)
      return true
    })
    t.after(() => server.close())
    assert.match(implicit, /^#EXT-X-BYTERANGE:\d+$/m)
    const o = await origin(t, { kind: 'remote', url: `${server.url}index.m3u8` })
    await o.whenReady(20_000)

    const { status, text } = await getText(o.playlistUrl)
    assert.equal(status, 200)
    assert.match(text, /#EXT-X-ENDLIST/)
    const entries = checkMagnets(text)
    assert.equal(entries.length, 3)
    for (const [index, entry] of entries.entries()) {
      const { offset, length } = ranges[index]!
      const expected = media.subarray(offset, offset + length)
      assert.ok(
        entry.tags.includes(`#EXT-X-BYTERANGE:${length}@${offset}`),
        `segment ${index} keeps its range with an explicit offset: ${entry.tags.join(' ')}`,
      )
      const ranged = await getBytes(new URL(entry.uri, o.playlistUrl).href, {
        headers: { range: `bytes=${offset}-${offset + length - 1}` },
      })
      assert.equal(ranged.status, 206)
      assert.ok(ranged.bytes.equals(expected), `Range request for segment ${index} returns exactly its bytes`)
      const bytes = await verifySegmentMagnet(entry.magnet)
      assert.ok(bytes.equals(expected), `web seed of segment ${index} serves exactly its bytes`)
    }
    assert.equal(new Set(entries.map((e) => e.uri)).size, 1, 'all ranges are of one resource, as upstream')
  })

  it('video file: ffmpeg makes it a live stream with magnets', async (t) => {
    const path = join(root, 'clip.mp4')
    await makeMp4(path, 4)
    assert.ok((await stat(path)).size > 0)
    const o = await origin(t, { kind: 'video', path }, { windowSegments: 3 })
    await o.whenReady(15_000)
    const { status, text } = await getText(o.playlistUrl)
    assert.equal(status, 200)
    assert.doesNotMatch(text, /#EXT-X-ENDLIST/)
    assert.doesNotMatch(text, /#EXT-X-PLAYLIST-TYPE/)
    const entries = checkMagnets(text)
    assert.ok(entries.length >= 1 && entries.length <= 3)
    for (const entry of entries) {
      const bytes = await verifySegmentMagnet(entry.magnet)
      assert.ok(isTsFile(bytes), `${entry.uri} is whole MPEG-TS packets`)
    }
  })
})
