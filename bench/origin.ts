/**
 * npm run bench:origin
 *
 * 1. Hashing throughput of segment torrents, as a ratio to plain node:crypto SHA-1 over the same bytes, measured
 *    interleaved in the same run (the machines are shared and noisy, so only same-run ratios mean anything).
 *    create-torrent is measured the same way, for reference.
 * 2. Time to rewrite a 10,000-segment VOD playlist: parse, publish (magnet-ready) and render with magnets.
 *
 * Figures go to bench/results/origin.json and to stdout.
 */
import { createHash, randomBytes } from 'node:crypto'
import createTorrent from 'create-torrent'
import { pino } from 'pino'
import { Catalog } from '../src/origin/catalog.js'
import { Links } from '../src/origin/http/links.js'
import { parseMediaPlaylist } from '../src/origin/playlist/parse.js'
import { Rendition } from '../src/origin/rendition.js'
import { hashSegment, type SegmentTorrent } from '../src/origin/torrent/segment-torrent.js'
import { median, timeMs, timeMsAsync, writeResults } from './stats.js'

const ROUNDS = 7
const SEGMENT_SIZES = [64 * 1024, 256 * 1024, 2 * 1024 * 1024, 8 * 1024 * 1024]
const TOTAL_BYTES = 64 * 1024 * 1024

function plainSha1(segments: Buffer[]): void {
  for (const segment of segments) createHash('sha1').update(segment).digest()
}

function ours(segments: Buffer[]): void {
  segments.forEach((segment, index) => hashSegment(segment, `seg${index}.ts`))
}

async function viaCreateTorrent(segments: Buffer[]): Promise<void> {
  for (const [index, segment] of segments.entries()) {
    await new Promise<void>((resolve, reject) =>
      createTorrent(segment, { name: `seg${index}.ts`, announceList: [], pieceLength: 32 * 1024 }, (err: Error | null) =>
        err ? reject(err) : resolve(),
      ),
    )
  }
}

async function benchHashing(segmentSize: number) {
  const segments = Array.from({ length: Math.max(1, Math.floor(TOTAL_BYTES / segmentSize)) }, () => randomBytes(segmentSize))
  const bytes = segments.length * segmentSize
  const raw: number[] = []
  const own: number[] = []
  const reference: number[] = []
  ours(segments) // warm-up
  for (let round = 0; round < ROUNDS; round++) {
    raw.push(timeMs(() => plainSha1(segments)))
    own.push(timeMs(() => ours(segments)))
    if (round < 3) reference.push(await timeMsAsync(() => viaCreateTorrent(segments)))
  }
  const mbps = (ms: number): number => Math.round((bytes / 1e6 / (ms / 1000)) * 10) / 10
  return {
    segmentBytes: segmentSize,
    segments: segments.length,
    plainSha1MBps: mbps(median(raw)),
    liveTorrentMBps: mbps(median(own)),
    ratioToPlainSha1: round3(median(raw) / median(own)),
    createTorrentRatioToPlainSha1: round3(median(raw.slice(0, reference.length)) / median(reference)),
  }
}

function vodPlaylist(segments: number): string {
  const lines = ['#EXTM3U', '#EXT-X-VERSION:3', '#EXT-X-TARGETDURATION:4', '#EXT-X-PLAYLIST-TYPE:VOD', '#EXT-X-MEDIA-SEQUENCE:0']
  for (let i = 0; i < segments; i++) lines.push('#EXTINF:4.000000,', `https://cdn.example.com/vod/seg${i}.ts?token=abc`)
  lines.push('#EXT-X-ENDLIST')
  return lines.join('\n') + '\n'
}

function benchRewrite(segmentCount: number) {
  const text = vodPlaylist(segmentCount)
  const url = 'https://cdn.example.com/vod/index.m3u8'
  // Torrent metadata is computed once, outside the timing: this measures the playlist work alone.
  const torrents: SegmentTorrent[] = Array.from({ length: segmentCount }, (_, i) => hashSegment(Buffer.from(`segment ${i}`), `seg${i}.ts`))
  const parse: number[] = []
  const publish: number[] = []
  const render: number[] = []
  for (let round = 0; round < ROUNDS; round++) {
    let doc!: ReturnType<typeof parseMediaPlaylist>
    parse.push(timeMs(() => (doc = parseMediaPlaylist(text, url))))
    const catalog = new Catalog({ onInfoHashGone: () => {}, onSegmentDropped: () => {} })
    const rendition = new Rendition('', 'stream.m3u8', url, null, catalog)
    publish.push(
      timeMs(() => {
        rendition.window.setHeader(doc.header.map((tag) => tag.raw))
        doc.segments.forEach((segment, i) => {
          const published = rendition.toPublished({
            upstream: segment,
            sequence: i,
            torrent: torrents[i]!,
            discontinuity: false,
            bodyKey: `k${i}`,
          })
          rendition.publish(published)
        })
        rendition.window.end()
      }),
    )
    const links = new Links('http://127.0.0.1:8008/', true, [])
    let out = ''
    render.push(timeMs(() => (out = rendition.window.render((segment) => links.magnetFor(segment)))))
    if (!out.includes('#EXT-X-ENDLIST') || (out.match(/EXT-X-LIVE-TORRENT-MAGNET/g) ?? []).length !== segmentCount)
      throw new Error('bad rewrite')
  }
  return {
    segments: segmentCount,
    parseMs: round3(median(parse)),
    publishMs: round3(median(publish)),
    renderWithMagnetsMs: round3(median(render)),
    totalMs: round3(median(parse) + median(publish) + median(render)),
  }
}

function round3(value: number): number {
  return Math.round(value * 1000) / 1000
}

async function main(): Promise<void> {
  pino({ level: 'silent' })
  const hashing = []
  for (const size of SEGMENT_SIZES) hashing.push(await benchHashing(size))
  const rewrite = benchRewrite(10_000)
  const results = {
    date: new Date().toISOString(),
    node: process.version,
    rounds: ROUNDS,
    statistic: 'median',
    hashing,
    rewrite10kVod: rewrite,
  }
  await writeResults(new URL('results/origin.json', import.meta.url).pathname, results)
  console.log('Segment hashing, throughput vs plain node:crypto SHA-1 over the same bytes (goal >= 0.8):')
  for (const h of hashing) {
    console.log(
      `  ${(h.segmentBytes / 1024).toString().padStart(5)} KiB segments: ${h.liveTorrentMBps} MB/s vs ${h.plainSha1MBps} MB/s = ${h.ratioToPlainSha1}x  (create-torrent: ${h.createTorrentRatioToPlainSha1}x)`,
    )
  }
  console.log(
    `Rewrite of a 10,000-segment VOD playlist: parse ${rewrite.parseMs} ms + publish ${rewrite.publishMs} ms + render with magnets ${rewrite.renderWithMagnetsMs} ms = ${rewrite.totalMs} ms`,
  )
  console.log('written to bench/results/origin.json')
}

await main()
