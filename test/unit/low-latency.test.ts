import assert from 'node:assert/strict'
import { afterEach, beforeEach, describe, it, mock } from 'node:test'
import { Catalog } from '../../src/origin/catalog.js'
import { LowLatencyEdge } from '../../src/origin/low-latency/edge.js'
import { PartNames } from '../../src/origin/low-latency/part-names.js'
import { readPart, readPreloadHint, rewriteServerControl } from '../../src/origin/low-latency/tags.js'
import { MediaWindow } from '../../src/origin/playlist/media-window.js'
import { parseMediaPlaylist } from '../../src/origin/playlist/parse.js'
import type { PublishedSegment } from '../../src/origin/playlist/published.js'

const BASE = 'http://up.example/live/index.m3u8'

/** An LL playlist with `complete` 4-part segments and `edgeParts` parts of the next one. */
function llPlaylist(complete: number, edgeParts: number): string {
  const lines = ['#EXTM3U', '#EXT-X-TARGETDURATION:4', '#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=3.0']
  lines.push('#EXT-X-PART-INF:PART-TARGET=1.0', '#EXT-X-MEDIA-SEQUENCE:0')
  const parts = (msn: number, count: number): string[] =>
    Array.from({ length: count }, (_, k) => `#EXT-X-PART:DURATION=1.0,URI="s${msn}.ts",BYTERANGE=100${k === 0 ? '@0' : ''}`)
  for (let msn = 0; msn < complete; msn++) lines.push(...parts(msn, 4), '#EXTINF:4.0,', `s${msn}.ts`)
  lines.push(...parts(complete, edgeParts), `#EXT-X-PRELOAD-HINT:TYPE=PART,URI="s${complete}.ts",BYTERANGE-START=${edgeParts * 100}`)
  return lines.join('\n') + '\n'
}

function published(sequence: number): PublishedSegment {
  return {
    sequence,
    duration: 4,
    discontinuity: false,
    tags: ['#EXTINF:4.0,'],
    uri: `seg${sequence}.ts`,
    path: `seg${sequence}.ts`,
    bodyKey: `b${sequence}`,
    torrent: { infoHash: String(sequence).padStart(40, '0') } as PublishedSegment['torrent'],
  }
}

function setUp(): { edge: LowLatencyEdge; window: MediaWindow; catalog: Catalog } {
  const catalog = new Catalog({ onInfoHashGone: () => {}, onSegmentDropped: () => {} })
  const window = new MediaWindow({ maxSegments: 6, onRetire: () => {} })
  const edge = new LowLatencyEdge({ mode: 'on', dir: '', catalog, window })
  return { edge, window, catalog }
}

/** The upstream shows `complete` segments and `edgeParts` parts; the origin has published them all. */
function advance(edge: LowLatencyEdge, window: MediaWindow, complete: number, edgeParts: number): void {
  const doc = parseMediaPlaylist(llPlaylist(complete, edgeParts), BASE)
  edge.header(doc, true)
  edge.observe(doc)
  for (let msn = (window.segments.at(-1)?.sequence ?? -1) + 1; msn < complete; msn++) {
    window.publish(published(msn))
    edge.passed(msn)
  }
}

describe('LL-HLS tags', () => {
  it('reads byte-range parts whose offset continues from the part before', () => {
    const next = new Map<string, number>()
    const first = readPart('DURATION=1.0,URI="a.ts",BYTERANGE=100@0,INDEPENDENT=YES', BASE, next)
    const second = readPart('DURATION=1.0,URI="a.ts",BYTERANGE=50', BASE, next)
    assert.deepEqual(first?.source, { url: 'http://up.example/live/a.ts', offset: 0, length: 100 })
    assert.deepEqual(second?.source, { url: 'http://up.example/live/a.ts', offset: 100, length: 50 })
    assert.deepEqual(first?.rest, [
      ['DURATION', '1.0'],
      ['INDEPENDENT', 'YES'],
    ])
    assert.equal(readPart('DURATION=1.0', BASE, next), null, 'no URI')
    assert.equal(readPart('DURATION=x,URI="a.ts"', BASE, next), null, 'no duration')
    assert.equal(readPart('DURATION=1,URI="javascript:alert(1)"', BASE, next), null, 'not a fetchable URL')
  })

  it('gives a preload hint the identity of the part it becomes', () => {
    const hint = readPreloadHint('TYPE=PART,URI="a.ts",BYTERANGE-START=150', BASE)
    assert.deepEqual(hint?.source, { url: 'http://up.example/live/a.ts', offset: 150, length: undefined })
    assert.equal(readPreloadHint('TYPE=OTHER,URI="a.ts"', BASE), null)
    assert.equal(readPreloadHint('TYPE=PART,URI="a.ts",BYTERANGE-START=-1', BASE), null)
  })

  it('advertises in SERVER-CONTROL only what the origin does', () => {
    const upstream = 'CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=3.0,HOLD-BACK=12,CAN-SKIP-UNTIL=24,CAN-SKIP-DATERANGES=YES'
    assert.deepEqual(rewriteServerControl(upstream, 'on', true), {
      value: 'CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=3.0,HOLD-BACK=12',
      removed: ['CAN-SKIP-UNTIL', 'CAN-SKIP-DATERANGES'],
    })
    assert.equal(rewriteServerControl('PART-HOLD-BACK=3.0', 'on', true).value, 'CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=3.0', 'parts need it')
    assert.equal(rewriteServerControl(upstream, 'on', false).value, 'CAN-BLOCK-RELOAD=YES,HOLD-BACK=12', 'no parts, no part hold-back')
    assert.equal(rewriteServerControl(upstream, 'off', false).value, 'HOLD-BACK=12')
    assert.equal(rewriteServerControl('CAN-BLOCK-RELOAD=YES', 'off', false).value, null, 'nothing left: the tag goes')
  })
})

describe('the low-latency edge', () => {
  beforeEach(() => mock.timers.enable({ apis: ['setTimeout', 'Date'] }))
  afterEach(() => mock.timers.reset())

  it('renders the edge parts and the hint under origin names, the hint named as its part will be', () => {
    const { edge, window } = setUp()
    advance(edge, window, 2, 1)
    const trailer = edge.trailerLines()
    assert.deepEqual(
      trailer.map((line) => line.split(':')[0]),
      ['#EXT-X-PART', '#EXT-X-PRELOAD-HINT'],
    )
    const hinted = /URI="([^"]+)"/.exec(trailer[1]!)![1]
    advance(edge, window, 2, 2)
    assert.equal(/URI="([^"]+)"/.exec(edge.trailerLines()[1]!)![1], hinted, 'the hinted part is listed under the hinted name')
    assert.deepEqual(edge.end(), { msn: 2, part: 1 })
  })

  it('shows a segment the origin has not published yet as parts, with no hint', () => {
    const { edge, window } = setUp()
    advance(edge, window, 2, 0)
    // The upstream completed segment 2, which the origin is still hashing.
    const doc = parseMediaPlaylist(llPlaylist(3, 1), BASE)
    edge.observe(doc)
    assert.deepEqual(
      edge.trailerLines().map((line) => line.split(':')[0]),
      ['#EXT-X-PART', '#EXT-X-PART', '#EXT-X-PART', '#EXT-X-PART'],
    )
    assert.deepEqual(edge.end(), { msn: 2, part: 3 })
  })

  it('holds a blocking reload until the part exists, and gives up after its timeout', async () => {
    const { edge, window } = setUp()
    advance(edge, window, 2, 1)
    assert.equal(edge.holds(2, 0), true)
    assert.equal(edge.holds(1, 9), true, 'a part of a complete segment')
    assert.equal(edge.holds(2, undefined), false, 'segment 2 is not complete')
    const soon = edge.waitFor(2, 1, 12_000)
    const never = edge.waitFor(4, 0, 12_000)
    mock.timers.tick(1000)
    advance(edge, window, 2, 2)
    assert.equal(await soon, true)
    assert.equal(edge.waiting, 1)
    mock.timers.tick(11_000)
    assert.equal(await never, false)
    assert.equal(edge.waiting, 0, 'nothing left behind')
  })

  it('lets a request that goes away stop waiting', async () => {
    const { edge, window } = setUp()
    advance(edge, window, 2, 1)
    const abort = new AbortController()
    const held = edge.waitFor(3, 0, 12_000, abort.signal)
    abort.abort()
    assert.equal(await held, false)
    assert.equal(edge.waiting, 0)
  })
})

describe('part names', () => {
  beforeEach(() => mock.timers.enable({ apis: ['setTimeout', 'Date'] }))
  afterEach(() => mock.timers.reset())

  const catalog = (): Catalog => new Catalog({ onInfoHashGone: () => {}, onSegmentDropped: () => {} })

  it('answers a hinted part once it is listed, and 404s (null) when it never is', async () => {
    const table = catalog()
    const names = new PartNames({ dir: 'v0/', catalog: table, forgetAfterMs: 60_000, holdMs: () => 12_000 })
    const source = { url: 'http://up.example/a.ts', offset: 100 }
    const name = names.hinted(source)
    const resource = table.get(`v0/${name}`)
    assert.equal(resource?.kind, 'part')
    const waiting = resource.kind === 'part' ? resource.whenListed() : null
    assert.equal(names.listed({ ...source, length: 50 }), name)
    assert.deepEqual(await waiting, { ...source, length: 50 })
    const other = table.get(`v0/${names.hinted({ url: 'http://up.example/b.ts' })}`)
    const never = other?.kind === 'part' ? other.whenListed() : null
    mock.timers.tick(12_000)
    assert.equal(await never, null)
  })

  it('forgets parts the upstream stopped listing', () => {
    const table = catalog()
    const names = new PartNames({ dir: '', catalog: table, forgetAfterMs: 60_000, holdMs: () => 12_000 })
    const old = names.listed({ url: 'http://up.example/a.ts' })
    mock.timers.tick(61_000)
    const fresh = names.listed({ url: 'http://up.example/b.ts' })
    names.sweep()
    assert.equal(table.get(old), undefined)
    assert.equal(table.get(fresh)?.kind, 'part')
    assert.equal(names.size, 1)
  })
})
