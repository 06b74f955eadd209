import fc from 'fast-check'

const absurdNumber = fc.oneof(
  fc.integer({ min: -5, max: 20 }).map(String),
  fc.constantFrom('0', '-1', '1e308', '1e-308', 'NaN', 'Infinity', '-0', '9007199254740993', '0x10', '4.', '.5', ''),
  fc.double().map(String),
  fc.string({ maxLength: 12 }),
)
const uri = fc.oneof(
  fc.constantFrom(
    'seg0.ts',
    'v0/index.m3u8',
    'http://[',
    'http://a b/c',
    '//host/x.ts',
    '../../../etc/passwd',
    'data:,x',
    'javascript:1',
    '%zz',
    '?',
    '#',
  ),
  fc.webUrl(),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
)
const attributes = fc.oneof(
  fc.constantFrom('BANDWIDTH=800000', 'BANDWIDTH=', 'RESOLUTION=640x360', 'RESOLUTION=x', 'CODECS="avc1', 'URI="', 'METHOD=AES-128'),
  fc
    .tuple(fc.constantFrom('URI', 'BYTERANGE', 'BANDWIDTH', 'TYPE', 'GROUP-ID', 'IV', 'METHOD'), fc.oneof(uri, absurdNumber))
    .map(([k, v]) => `${k}="${v}"`),
  fc.string({ maxLength: 60 }),
)
/** LL-HLS attribute lists (RFC 8216bis): the keys its tags use, with values right and wrong. */
const lowLatencyAttributes = fc.array(
  fc.oneof(
    fc.constantFrom('DURATION=1.0', 'INDEPENDENT=YES', 'TYPE=PART', 'TYPE=MAP', 'CAN-BLOCK-RELOAD=YES', 'URI="seg0.ts"', 'BYTERANGE=100@0'),
    fc
      .tuple(
        fc.constantFrom(
          'DURATION',
          'URI',
          'BYTERANGE',
          'BYTERANGE-START',
          'BYTERANGE-LENGTH',
          'LAST-MSN',
          'LAST-PART',
          'PART-TARGET',
          'PART-HOLD-BACK',
          'CAN-SKIP-UNTIL',
        ),
        fc.oneof(uri, absurdNumber),
        fc.boolean(),
      )
      .map(([k, v, quoted]) => (quoted ? `${k}="${v}"` : `${k}=${v}`)),
  ),
  { maxLength: 5 },
)
const lowLatencyLine = fc
  .tuple(
    fc.constantFrom('EXT-X-PART', 'EXT-X-PRELOAD-HINT', 'EXT-X-RENDITION-REPORT', 'EXT-X-PART-INF', 'EXT-X-SERVER-CONTROL'),
    lowLatencyAttributes,
  )
  .map(([tag, list]) => `#${tag}:${list.join(',')}`)

/** One playlist line: the tags players and packagers write, with values right and wrong alike, or noise. */
const line = fc.oneof(
  { weight: 3, arbitrary: absurdNumber.map((n) => `#EXTINF:${n},`) },
  { weight: 3, arbitrary: uri },
  absurdNumber.map((n) => `#EXT-X-TARGETDURATION:${n}`),
  absurdNumber.map((n) => `#EXT-X-MEDIA-SEQUENCE:${n}`),
  absurdNumber.map((n) => `#EXT-X-DISCONTINUITY-SEQUENCE:${n}`),
  fc.tuple(absurdNumber, absurdNumber).map(([a, b]) => `#EXT-X-BYTERANGE:${a}@${b}`),
  fc.tuple(absurdNumber, fc.boolean()).map(([a, at]) => `#EXT-X-BYTERANGE:${a}${at ? '' : '@'}`),
  fc.array(attributes, { maxLength: 4 }).map((list) => `#EXT-X-STREAM-INF:${list.join(',')}`),
  fc.array(attributes, { maxLength: 4 }).map((list) => `#EXT-X-MEDIA:${list.join(',')}`),
  fc.array(attributes, { maxLength: 4 }).map((list) => `#EXT-X-I-FRAME-STREAM-INF:${list.join(',')}`),
  fc.array(attributes, { maxLength: 4 }).map((list) => `#EXT-X-KEY:${list.join(',')}`),
  fc.array(attributes, { maxLength: 3 }).map((list) => `#EXT-X-MAP:${list.join(',')}`),
  fc.array(attributes, { maxLength: 3 }).map((list) => `#EXT-X-SESSION-KEY:${list.join(',')}`),
  fc.constantFrom(
    '#EXT-X-ENDLIST',
    '#EXT-X-DISCONTINUITY',
    '#EXT-X-PLAYLIST-TYPE:EVENT',
    '#EXT-X-PLAYLIST-TYPE:VOD',
    '#EXTM3U',
    '#EXT-X-VERSION:99',
    '#',
    '',
  ),
  fc.string({ maxLength: 30 }).map((s) => `#EXT-X-PROGRAM-DATE-TIME:${s}`),
  { weight: 2, arbitrary: lowLatencyLine },
  fc.string({ unit: 'binary', maxLength: 40 }),
)

const header = fc.constantFrom('#EXTM3U\n', '\uFEFF#EXTM3U\n', '  #EXTM3U\r\n', '#EXTM3U', '')

/** A sane playlist with `segments` segments, for the giant and truncated cases. */
function wellFormed(segments: number, master: boolean): string {
  if (master)
    return `#EXTM3U\n${Array.from({ length: segments }, (_, i) => `#EXT-X-STREAM-INF:BANDWIDTH=${1000 + i}\nv${i}.m3u8`).join('\n')}\n`
  return `#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXT-X-MEDIA-SEQUENCE:7\n${Array.from({ length: segments }, (_, i) => `#EXTINF:4.0,\nseg${i}.ts`).join('\n')}\n`
}

/** Every shape of playlist text an upstream could send: tag soup, truncations, binary, giants. */
export function playlistInputs(): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 6, arbitrary: fc.tuple(header, fc.array(line, { maxLength: 40 })).map(([head, lines]) => head + lines.join('\n')) },
    {
      weight: 2,
      arbitrary: fc
        .tuple(fc.integer({ min: 1, max: 60 }), fc.boolean(), fc.double({ min: 0, max: 1, noNaN: true }))
        .map(([n, master, cut]) => {
          const text = wellFormed(n, master)
          return text.slice(0, Math.floor(text.length * cut))
        }),
    },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 400 }).map((bytes) => Buffer.from(bytes).toString('utf8')) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 400 }).map((bytes) => `#EXTM3U\n${Buffer.from(bytes).toString('latin1')}`) },
    { weight: 1, arbitrary: fc.tuple(fc.integer({ min: 1000, max: 20_000 }), fc.boolean()).map(([n, master]) => wellFormed(n, master)) },
    {
      weight: 1,
      arbitrary: fc.integer({ min: 1, max: 200_000 }).map((n) => `#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXTINF:4,${'x'.repeat(n)}\nseg.ts\n`),
    },
    {
      weight: 1,
      arbitrary: fc
        .integer({ min: 1, max: 50_000 })
        .map((n) => `#EXTM3U\n${'#EXT-X-STREAM-INF:BANDWIDTH=1,'.repeat(1)}${'A=B,'.repeat(n)}\nv.m3u8\n`),
    },
  )
}
