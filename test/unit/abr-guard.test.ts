import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { abrWaitCapMs } from '../../src/client/core/abr-guard.js'
import { DEFAULT_DELIVERY_CONFIG, validateDeliveryConfig } from '../../src/client/core/config.js'
import { HttpEstimate } from '../../src/client/core/http-estimate.js'
import { HttpHandedOver } from '../../src/client/core/segment-request.js'
import { readVariants } from '../../src/client/variants.js'
import { listAndStart, PLAYLIST, request, rig, segment } from './core-fakes.js'

const HEADROOM = DEFAULT_DELIVERY_CONFIG.deadline.abrHeadroom

describe('ABR guard: a wait the player times must not lower its rendition', () => {
  it('caps the wait so that a top-rendition segment still arrives at 1.8x the top BANDWIDTH, HTTP included', () => {
    const fast = new HttpEstimate()
    fast.observe(0, 20, 120, 540_000)
    // 540 kB at 1.8 x 2.27 Mbit/s takes 1057 ms; HTTP here needs 120 ms of it.
    assert.equal(Math.round(abrWaitCapMs(540_000, 2_270_000, HEADROOM, fast)), 937)
    assert.equal(Math.round(abrWaitCapMs(180_000, 2_270_000, HEADROOM, fast)), 299, 'a lower rendition must look as fast, to climb')
    assert.equal(abrWaitCapMs(540_000, 2_270_000, 0, fast), Infinity, 'headroom 0: off')
  })

  it('gives no wait where HTTP itself is slower than the headroom: plain HTTP sets the pace there', () => {
    const slow = new HttpEstimate()
    slow.observe(0, 100, 2100, 540_000)
    assert.equal(abrWaitCapMs(540_000, 2_270_000, HEADROOM, slow), 0)
  })

  it('keeps half the response time for HTTP before any HTTP fetch was timed', () => {
    assert.equal(Math.round(abrWaitCapMs(540_000, 2_270_000, HEADROOM, new HttpEstimate())), 529)
  })

  it('hands a ladder segment to the worker at the cap, but lets the loader path and other playlists wait to the deadline', () => {
    const setup = () => {
      const fakes = rig()
      fakes.mesh.neighbours = ['n1']
      // The fakes' segments are 4000 bytes: a ladder topping at 20 kbit/s makes their cap visible (889 ms at 1.8x).
      fakes.core.ladders.add([
        { url: PLAYLIST, bandwidth: 20_000 },
        { url: 'https://origin.test/v1/index.m3u8', bandwidth: 5_000 },
      ])
      listAndStart(fakes.core, [segment(1), segment(2)])
      // One timed HTTP fetch: the first byte after 30 ms (too small a body to time its rate).
      request(fakes.core, 1, 0)
      fakes.clock.advance(30)
      fakes.http.fetches[0]!.respond()
      return fakes
    }
    const worker = setup()
    assert.equal(Math.round(worker.core.answerWithinMs(segment(2).url, 7000)), 859, 'the acknowledgement promises the capped wait')
    const handed = request(worker.core, 2, 7000, true)
    worker.clock.advance(858)
    assert.equal(handed.called, 0)
    worker.clock.advance(2)
    assert.ok(handed.error instanceof HttpHandedOver, 'handed to the worker at the cap, not at the 4 s deadline')

    const loader = setup()
    const waiting = request(loader.core, 2, 7000)
    loader.clock.advance(3999)
    assert.equal(loader.http.fetches.length, 1, 'the loader reports plain-HTTP timing to hls.js: the full deadline (7 s - 3 s)')
    loader.clock.advance(1)
    assert.equal(loader.http.fetches.length, 2)
    assert.equal(waiting.called, 0)

    const single = rig()
    single.mesh.neighbours = ['n1']
    single.core.ladders.add([{ url: PLAYLIST, bandwidth: 20_000 }])
    assert.equal(single.core.answerWithinMs(segment(1).url, 7000), 3000, 'one rendition: nothing to choose, no cap')
  })

  it('rejects a headroom between 0 and 1', () => {
    const config = { ...DEFAULT_DELIVERY_CONFIG, deadline: { ...DEFAULT_DELIVERY_CONFIG.deadline, abrHeadroom: 0.5 } }
    assert.throws(() => validateDeliveryConfig(config), /deadline.abrHeadroom must be 0 \(off\) or a number of at least 1, got 0.5/)
  })
})

describe('ABR guard: the ladder of a master playlist', () => {
  it('reads each variant with its BANDWIDTH and absolute URL, and not the alternate audio', () => {
    const master = [
      '#EXTM3U',
      '#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="aud",NAME="en",URI="a0/index.m3u8"',
      '#EXT-X-STREAM-INF:BANDWIDTH=330000,RESOLUTION=426x240,AUDIO="aud"',
      'v0/index.m3u8',
      '#EXT-X-STREAM-INF:BANDWIDTH=2270000,RESOLUTION=960x540,AUDIO="aud"',
      'https://cdn.test/v2/index.m3u8',
      '#EXT-X-STREAM-INF:RESOLUTION=1x1',
      'nobandwidth.m3u8',
    ].join('\n')
    assert.deepEqual(readVariants(master, 'https://origin.test/stream.m3u8'), [
      { url: 'https://origin.test/v0/index.m3u8', bandwidth: 330_000 },
      { url: 'https://cdn.test/v2/index.m3u8', bandwidth: 2_270_000 },
    ])
    assert.deepEqual(readVariants('not a playlist \u0000\uffff', 'https://origin.test/stream.m3u8'), [])
  })
})
