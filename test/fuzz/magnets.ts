import fc from 'fast-check'
import { MAGNET_TAG } from '../../src/protocol/magnet-line.js'
import { readPlaylistMagnets } from '../../src/protocol/playlist-magnets.js'
import { InputBounds } from './bounds.js'
import type { SurfaceReport } from './report.js'

const PLAYLIST = 'https://origin.test/v0/index.m3u8'
const HASH = 'a'.repeat(40)

const magnetUri = fc.oneof(
  fc.constant(
    `magnet:?xt=urn:btih:${HASH}&dn=seg1.ts&tr=wss%3A%2F%2Forigin.test%2Fannounce&ws=https%3A%2F%2Forigin.test%2Fseg1.ts&xs=https%3A%2F%2Forigin.test%2Fseg1.ts.torrent`,
  ),
  fc
    .tuple(
      fc.oneof(fc.stringMatching(/^[0-9a-fA-F]{38,42}$/), fc.string({ maxLength: 50 })),
      fc.array(
        fc.tuple(fc.constantFrom('tr', 'ws', 'xs', 'dn', 'xt', 'as', 'x.pe', '', '&'), fc.oneof(fc.webUrl(), fc.string({ maxLength: 40 }))),
        { maxLength: 6 },
      ),
    )
    .map(([hash, params]) => `magnet:?xt=urn:btih:${hash}${params.map(([k, v]) => `&${k}=${v}`).join('')}`),
  fc.string({ unit: 'binary', maxLength: 80 }),
  fc.integer({ min: 1, max: 300_000 }).map((n) => `magnet:?xt=urn:btih:${HASH}&tr=${'w'.repeat(n)}`),
  fc.constantFrom(
    'magnet:',
    'magnet:?',
    'magnet:?xt=urn:btih:',
    '%',
    'magnet:?xt=urn:btmh:1220' + 'b'.repeat(64),
    'magnet:?xt=urn:btih:' + 'A'.repeat(32),
  ),
)
const line = fc.oneof(
  { weight: 3, arbitrary: magnetUri.map((uri) => `#${MAGNET_TAG}:${uri}`) },
  magnetUri.map((uri) => `#${MAGNET_TAG}${uri}`),
  fc.string({ maxLength: 30 }).map((value) => `#EXT-X-BYTERANGE:${value}`),
  fc.constantFrom('#EXTINF:4,', '#EXTM3U', '', '\r', '#EXT-X-ENDLIST'),
)

const uriLine = fc.oneof(
  fc.constantFrom('seg1.ts', 'http://[', '//x', 'javascript:alert(1)', '../../a.ts', 'data:,x'),
  fc.webUrl(),
  fc.string({ unit: 'grapheme', maxLength: 30 }),
)
const byteRangeLine = fc
  .tuple(fc.stringMatching(/^\d{0,400}$/), fc.option(fc.stringMatching(/^\d{0,400}$/)))
  .map(([length, offset]) => `#EXT-X-BYTERANGE:${length}${offset === null ? '' : `@${offset}`}`)
/** A segment as the origin writes it (magnet, maybe a byte range, the URI), each part drawn right or wrong. */
const segmentLines = fc
  .tuple(magnetUri, fc.option(byteRangeLine), uriLine)
  .map(([uri, range, segment]) => [`#EXTINF:4,`, `#${MAGNET_TAG}:${uri}`, ...(range === null ? [] : [range]), segment].join('\n'))

/** `count` generated playlists full of magnet lines (seeded) through the reader the worker and the page share. */
export async function fuzzMagnetLines(count: number, seed: number): Promise<SurfaceReport> {
  const inputs = fc.sample(
    fc.array(fc.oneof(line, segmentLines), { maxLength: 30 }).map((lines) => lines.join('\n')),
    { seed, numRuns: count },
  )
  const bounds = new InputBounds((index) => `#${index} (seed ${seed}): ${JSON.stringify(inputs[index]!.slice(0, 160))}`)
  let segments = 0
  for (let index = 0; index < inputs.length; index++) {
    await bounds.run(index, async () => {
      const read = readPlaylistMagnets(inputs[index]!, PLAYLIST)
      for (const segment of read) checkSegment(segment, index, seed)
      segments += read.length
    })
    if ((index + 1) % 1000 === 0) bounds.rebase()
  }
  return {
    surface: `magnet lines (${segments} segments read)`,
    inputs: count,
    seed,
    worstMs: bounds.worstMs,
    worstBytes: bounds.worstBytes,
  }
}

/** What the worker and the page rely on in every segment the reader returns. */
function checkSegment(segment: ReturnType<typeof readPlaylistMagnets>[number], index: number, seed: number): void {
  const fail = (what: string) => {
    throw new Error(`magnet input #${index} (seed ${seed}): ${what}: ${JSON.stringify(segment).slice(0, 300)}`)
  }
  if (!/^[0-9a-f]{40}$/.test(segment.magnet.infoHash)) fail('an infohash that is not 40 hex digits')
  if (!/^https?:$/.test(new URL(segment.url).protocol)) fail('a segment URL that is not http(s)')
  const range = segment.byteRange
  if (range && !(Number.isSafeInteger(range.offset) && Number.isSafeInteger(range.length) && range.offset >= 0 && range.length > 0))
    fail('a byte range that is not two whole numbers')
}
