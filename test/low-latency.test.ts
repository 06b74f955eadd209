import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import type { Origin } from '../src/origin/origin.js'
import { launchChromium, playWithHlsJs, type Browser } from './support/browser.js'
import { LowLatencyUpstream } from './support/ll-upstream.js'
import { OriginDigests, openViewer, type Viewer } from './support/viewers.js'
import { eventually, getBytes, getText, playlistEntries, startOrigin } from './support/origin.js'

/** Where a served LL playlist ends: the segment being written (or the next one) and how many of its parts it lists. */
function playlistEnd(text: string): { msn: number; parts: number } {
  const entries = playlistEntries(text)
  const first = Number(/^#EXT-X-MEDIA-SEQUENCE:(\d+)/m.exec(text)![1])
  const tail = text.slice(text.lastIndexOf(entries.at(-1)!.uri + '\n'))
  return { msn: first + entries.length, parts: tail.split('\n').filter((line) => line.startsWith('#EXT-X-PART:')).length }
}

function uris(text: string, tag: string): string[] {
  return text
    .split('\n')
    .filter((line) => line.startsWith(`#${tag}:`))
    .map((line) => /URI="([^"]*)"/.exec(line)![1]!)
}

function tagNames(text: string): Set<string> {
  return new Set(
    text
      .split('\n')
      .filter((line) => line.startsWith('#EXT'))
      .map((line) => line.slice(1).split(':')[0]!),
  )
}

describe('an LL-HLS upstream through the origin', () => {
  let dir: string
  let upstream: LowLatencyUpstream
  let origin: Origin
  let plain: Origin
  let media: string

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'll-upstream-'))
    upstream = await LowLatencyUpstream.create(dir, { loopParts: 40, renditions: 2 })
    await upstream.start()
    origin = await startOrigin({ kind: 'remote', url: upstream.masterUrl })
    plain = await startOrigin({ kind: 'remote', url: upstream.url(0) }, { lowLatency: 'off' })
    await Promise.all([origin.whenReady(), plain.whenReady()])
    media = new URL('v0/index.m3u8', origin.url).href
    // Ready is the first segment; the upstream starts with three, whose parts the tests look at.
    await eventually(async () => playlistEntries((await getText(media)).text).length >= 3, 20_000, 'three segments at the origin')
  })

  after(async () => {
    await origin?.stop()
    await plain?.stop()
    await upstream?.stop()
    await rm(dir, { recursive: true, force: true })
  })

  it('advertises only what it does: blocking reload and part hold-back kept, delta updates removed, every other tag kept', async () => {
    const served = (await getText(media)).text
    const control = /^#EXT-X-SERVER-CONTROL:(.*)$/m.exec(served)?.[1]
    assert.equal(control, 'CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=3.0', 'CAN-SKIP-UNTIL is gone: the origin does no delta updates')
    assert.match(served, /^#EXT-X-PART-INF:PART-TARGET=1\.0$/m)
    const upstreamTags = tagNames(await (await fetch(upstream.url(0))).text())
    // A discontinuity sequence of 0 is left out, as the spec's default; everything else the upstream wrote is there.
    for (const name of ['EXT-X-DISCONTINUITY-SEQUENCE', 'EXT-X-DISCONTINUITY']) upstreamTags.delete(name)
    for (const name of upstreamTags) assert.ok(tagNames(served).has(name), `${name} is served`)
  })

  it("serves every part under the origin's own name: the parts of a segment add up to its bytes", async () => {
    const served = (await getText(media)).text
    const parts = uris(served, 'EXT-X-PART')
    assert.ok(parts.length >= 8, `parts of the recent segments are listed: ${parts.length}`)
    assert.ok(
      parts.every((uri) => /^part\d+\.ts$/.test(uri)),
      `no upstream name reaches the player: ${parts.slice(0, 3).join(' ')}`,
    )
    const segment = playlistEntries(served).find((entry) => entry.tags.some((tag) => tag.startsWith('#EXT-X-PART:')))!
    const own = segment.tags.filter((tag) => tag.startsWith('#EXT-X-PART:')).map((tag) => /URI="([^"]*)"/.exec(tag)![1]!)
    assert.equal(own.length, 4, `${segment.uri} lists its 4 parts`)
    const bodies = await Promise.all(own.map((uri) => getBytes(new URL(uri, media).href)))
    assert.deepEqual(
      bodies.map((body) => body.status),
      [200, 200, 200, 200],
    )
    const whole = await getBytes(new URL(segment.uri, media).href)
    assert.equal(whole.status, 200)
    assert.ok(Buffer.concat(bodies.map((body) => body.bytes)).equals(whole.bytes), 'the parts are the segment, byte for byte')
  })

  it('holds a blocking reload until the part exists, and answers a preload hint with the part it becomes', async () => {
    const before = (await getText(media)).text
    const end = playlistEnd(before)
    const [hint] = uris(before, 'EXT-X-PRELOAD-HINT')
    assert.ok(hint, 'a preload hint names the next part')
    assert.ok(!uris(before, 'EXT-X-PART').includes(hint), 'the hinted part is not listed yet')
    const hinted = getBytes(new URL(hint, media).href)
    const reloaded = await getText(`${media}?_HLS_msn=${end.msn}&_HLS_part=${end.parts}`)
    assert.equal(reloaded.status, 200)
    const after = playlistEnd(reloaded.text)
    assert.ok(
      after.msn > end.msn || after.parts > end.parts,
      `the answer holds the part asked for: ${JSON.stringify(end)} -> ${JSON.stringify(after)}`,
    )
    assert.ok(uris(reloaded.text, 'EXT-X-PART').includes(hint), 'the hinted name is now a listed part')
    const body = await hinted
    assert.equal(body.status, 200)
    const again = await getBytes(new URL(hint, media).href)
    assert.ok(body.bytes.equals(again.bytes) && body.bytes.length > 1000, 'the hint answered with the bytes of that part')
  })

  it('refuses blocking reloads that cannot be answered, and serves the whole playlist for a delta request', async () => {
    const end = playlistEnd((await getText(media)).text)
    for (const query of [`_HLS_msn=${end.msn + 3}`, '_HLS_part=1', '_HLS_msn=abc', `_HLS_msn=${end.msn}&_HLS_part=${end.parts + 9}`]) {
      const response = await getText(`${media}?${query}`)
      assert.equal(response.status, 400, `${query}: ${response.text}`)
      assert.ok(response.text.length > 10, 'with a reason')
    }
    const delta = await getText(`${media}?_HLS_skip=YES`)
    assert.equal(delta.status, 200)
    assert.doesNotMatch(delta.text, /EXT-X-SKIP/)
    assert.ok(playlistEntries(delta.text).length >= 3, 'every segment is there')
  })

  it("rewrites rendition reports to the origin's path and numbers of the other rendition", async () => {
    const served = (await getText(media)).text
    const report = /^#EXT-X-RENDITION-REPORT:URI="([^"]+)",LAST-MSN=(\d+),LAST-PART=(\d+)$/m.exec(served)
    assert.ok(report, `a rendition report is served: ${served.slice(-300)}`)
    assert.equal(report[1], '../v1/index.m3u8')
    const other = await getText(new URL(report[1]!, media).href)
    assert.equal(other.status, 200)
    const otherEnd = playlistEnd(other.text)
    // Counted in parts (4 a segment), in the origin's numbering; the other rendition may have moved on by a part since.
    const reported = Number(report[2]) * 4 + Number(report[3])
    const now = otherEnd.msn * 4 + otherEnd.parts - 1
    assert.ok(now - reported >= 0 && now - reported <= 2, `report ${report[2]}/${report[3]} vs ${JSON.stringify(otherEnd)}`)
  })

  it('converts to plain HLS with --low-latency off: no LL tags, no blocking, every segment with its magnet', async () => {
    const served = (await getText(plain.playlistUrl)).text
    for (const tag of ['EXT-X-PART', 'EXT-X-PART-INF', 'EXT-X-PRELOAD-HINT', 'EXT-X-RENDITION-REPORT', 'EXT-X-SERVER-CONTROL'])
      assert.doesNotMatch(served, new RegExp(`^#${tag}:`, 'm'), `${tag} is stripped`)
    const entries = playlistEntries(served)
    assert.ok(entries.length >= 2 && entries.every((entry) => entry.magnet !== null), 'segments keep their magnets')
    const ahead = await getText(`${plain.playlistUrl}?_HLS_msn=999999&_HLS_part=0`)
    assert.equal(ahead.status, 200, 'the blocking parameters are ignored, as by any server that does not advertise them')
  })
})

describe('playing LL-HLS in Chromium', () => {
  let dir: string
  let upstream: LowLatencyUpstream
  let origin: Origin
  let browser: Browser
  const viewers: Viewer[] = []

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'll-play-'))
    upstream = await LowLatencyUpstream.create(dir, { loopParts: 80 })
    await upstream.start()
    origin = await startOrigin({ kind: 'remote', url: upstream.url(0) })
    await origin.whenReady()
    browser = await launchChromium()
  })

  after(async () => {
    await Promise.all(viewers.map((viewer) => viewer.close().catch(() => {})))
    await browser?.close()
    await origin?.stop()
    await upstream?.stop()
    await rm(dir, { recursive: true, force: true })
  })

  it('hls.js in lowLatencyMode plays the origin from parts as it plays the upstream: no error, no 404, no stall', async () => {
    const direct = await playWithHlsJs(browser, upstream.url(0), { seconds: 12, lowLatencyMode: true })
    const through = await playWithHlsJs(browser, origin.playlistUrl, { seconds: 12, lowLatencyMode: true })
    console.log(`LL latency: upstream ${direct.latencySeconds?.toFixed(2)} s, through the origin ${through.latencySeconds?.toFixed(2)} s`)
    for (const [name, report] of [
      ['upstream', direct],
      ['origin', through],
    ] as const) {
      assert.deepEqual(report.fatalErrors, [], `${name}: no error`)
      assert.deepEqual(report.notFoundUrls, [], `${name}: no 404`)
      assert.equal(report.stalls, 0, `${name}: no stall`)
      assert.ok(report.playedSeconds >= 12, `${name}: played ${report.playedSeconds} s`)
    }
    assert.ok(through.partUrls.length >= 8, `hls.js loaded parts from the origin: ${through.partUrls.length}`)
    assert.ok(
      through.partUrls.every((url) => url.startsWith(origin.url) && /\/part\d+\.ts$/.test(url)),
      'every part came from the origin, by its name',
    )
    assert.ok(through.latencySeconds !== null && through.latencySeconds < 3 * upstream.targetDuration, 'it plays near the live edge')
  })

  it("the player page with ?latency=low plays from the parts, through the worker and the loader (P2P on): every byte the origin's, no stall", async () => {
    const digests = new OriginDigests(viewers)
    for (const [name, path] of [
      ['worker', 'service-worker'],
      ['loader', 'loader'],
    ] as const) {
      viewers.push(await openViewer(browser, `${origin.url}?latency=low&path=${path}`, { name }))
    }
    await digests.sleepRecording(15_000)
    for (const viewer of viewers) {
      const fragments = await viewer.fragments()
      assert.ok(
        fragments.filter((fragment) => /\/part\d+\.ts$/.test(fragment.url)).length >= 8,
        `${viewer.name} played from parts: ${fragments.slice(-2).map((f) => f.url)}`,
      )
      assert.ok((await digests.check(viewer)) > 0, `${viewer.name}: every part checked is the origin's`)
      const playback = await viewer.playback()
      assert.ok(playback.firstFrameTime !== null && playback.currentTime - playback.firstFrameTime >= 10, `${viewer.name} plays`)
      assert.equal(playback.waitingAfterFirstFrame, 0, `${viewer.name}: no stall`)
    }
  })
})
