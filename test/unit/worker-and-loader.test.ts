import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { Scheduler } from '../../bench/sim/scheduler.js'
import { ACK_TIMEOUT_MS, AnswerTimer } from '../../src/client/core/answer-timer.js'
import type { DeliveredSegment } from '../../src/client/core/segment-request.js'
import type { HttpTiming } from '../../src/client/core/http-estimate.js'
import { createLoaders, type LoaderClient, type LoaderDeps } from '../../src/hlsjs/loader.js'
import { WORKER_HEADER } from '../../src/protocol/messages.js'

describe("service worker: waiting for the page's answer", () => {
  const setup = () => {
    const clock = new Scheduler()
    const timeouts: string[] = []
    const timer = new AnswerTimer(clock, (reason) => timeouts.push(reason))
    return { clock, timeouts, timer }
  }

  it('gives up when the page does not acknowledge within 300 ms (a busy, frozen or closed tab)', () => {
    const { clock, timeouts } = setup()
    clock.advance(ACK_TIMEOUT_MS - 1)
    assert.deepEqual(timeouts, [])
    clock.advance(1)
    assert.deepEqual(timeouts, ['page did not acknowledge'])
  })

  it('after an acknowledgement, waits as long as the page promised, and no longer', () => {
    const { clock, timeouts, timer } = setup()
    clock.advance(ACK_TIMEOUT_MS - 100)
    timer.acknowledged(8000)
    clock.advance(7999)
    assert.deepEqual(timeouts, [], 'the acknowledgement replaced the acknowledgement timeout')
    clock.advance(1)
    assert.deepEqual(timeouts, ['page did not answer in time'])
    assert.equal(timer.settle(), false, 'an answer after the timeout is not taken (the worker fetched already)')
  })

  it('an answer in time ends both timeouts', () => {
    const { clock, timeouts, timer } = setup()
    timer.acknowledged(3000)
    clock.advance(1000)
    assert.equal(timer.settle(), true)
    clock.advance(60_000)
    assert.deepEqual(timeouts, [])
  })
})

// A stand-in for hls.js's default loader (XhrLoader): it records that it was asked, and has the stats hls.js reads.
class BaseLoader {
  static loads: string[] = []
  /** The timing of a load, as hls.js's loader fills it in. */
  static loading = { start: 0, first: 0, end: 0 }
  context: unknown = null
  stats = {
    aborted: false,
    loaded: 0,
    total: 0,
    chunkCount: 0,
    retry: 0,
    bwEstimate: 0,
    loading: { ...BaseLoader.loading },
    parsing: { start: 0, end: 0 },
    buffering: { start: 0, first: 0, end: 0 },
  }
  /** The body a load answers with at once; null: it never answers. */
  static body: ArrayBuffer | null = null
  /** The response hls.js's fetch loader passes as networkDetails (its headers say whether the worker answered). */
  static response = new Response(null)
  constructor(_config: unknown) {}
  load(
    context: { url: string },
    _config: unknown,
    callbacks: { onSuccess(response: { data: ArrayBuffer }, stats: unknown, context: unknown, details: unknown): void },
  ): void {
    BaseLoader.loads.push(context.url)
    if (BaseLoader.body) callbacks.onSuccess({ data: BaseLoader.body }, this.stats, context, BaseLoader.response)
  }
  abort(): void {}
  destroy(): void {}
}

function loaderWith(client: Partial<LoaderClient>, deps: Partial<Omit<LoaderDeps, 'client'>> = {}) {
  BaseLoader.loads = []
  BaseLoader.body = null
  const reported: { key: string; bytes: number; timing?: HttpTiming }[] = []
  const full: LoaderClient = {
    announce: () => {},
    answers: () => true,
    deliver: async () => null,
    fetchedElsewhere: (key, body, _waitedMs, timing) => reported.push({ key, bytes: body.length, ...(timing && { timing }) }),
    ...client,
  }
  const { fLoader } = createLoaders(BaseLoader as never, { client: full, bufferAheadMs: () => 8000, ...deps })
  const loader = new fLoader({} as never) as unknown as { load(...args: unknown[]): void; abort(): void }
  const calls: string[] = []
  const timings: { start: number; first: number; end: number }[] = []
  const callbacks = {
    onSuccess: (response: { data: ArrayBuffer }, stats: { loading: { start: number; first: number; end: number } }) => {
      calls.push(`success ${response.data.byteLength}`)
      timings.push({ ...stats.loading })
    },
    onError: () => calls.push('error'),
    onTimeout: () => calls.push('timeout'),
  }
  return { loader, calls, timings, reported, load: () => loader.load({ url: 'https://origin.test/seg1.ts', frag: {} }, {}, callbacks) }
}

const settle = () => new Promise((resolve) => setImmediate(resolve))
const delivered = (bytes: number): DeliveredSegment => ({
  bytes: new Uint8Array(bytes),
  source: 'peers',
  waitedMs: 5,
  httpAfterMs: null,
  httpReason: null,
  httpEquivalent: null,
})

describe('hls.js loader: when it falls back to hls.js over HTTP', () => {
  it('hands the player the bytes the page client delivered, without any HTTP request of its own', async () => {
    const { calls, load } = loaderWith({ deliver: async () => delivered(1234) })
    load()
    await settle()
    assert.deepEqual(calls, ['success 1234'])
    assert.deepEqual(BaseLoader.loads, [])
  })

  it('tells hls.js the timing plain HTTP would have had, not the wait for peers (its bandwidth estimate)', async () => {
    const { calls, timings, load } = loaderWith({
      deliver: async () => ({ ...delivered(400_000), waitedMs: 3000, httpEquivalent: { firstByteMs: 40, transferMs: 160 } }),
    })
    load()
    await settle()
    assert.deepEqual(calls, ['success 400000'])
    const timing = timings[0]!
    assert.equal(Math.round(timing.first - timing.start), 40, 'time to first byte as HTTP has it here')
    assert.equal(Math.round(timing.end - timing.first), 160, '400 kB at the measured HTTP rate, not 3 s of waiting')
  })

  it('loads over HTTP what the page client does not know, declines or fails to deliver', async () => {
    for (const client of [
      { answers: () => false },
      { deliver: async () => null },
      { deliver: async () => Promise.reject(new Error('swarm gone')) },
    ]) {
      const { calls, load } = loaderWith(client)
      load()
      await settle()
      assert.deepEqual(BaseLoader.loads, ['https://origin.test/seg1.ts'], JSON.stringify(Object.keys(client)))
      assert.deepEqual(calls, [])
    }
  })

  it('does not ask the page client on the service-worker path: hls.js loads at once (the worker takes the request)', async () => {
    let asked = 0
    const { calls, load } = loaderWith({ deliver: async () => (asked++, delivered(10)) }, { routesSegments: () => false })
    load()
    await settle()
    assert.equal(asked, 0, 'the page client was not asked')
    assert.deepEqual(BaseLoader.loads, ['https://origin.test/seg1.ts'])
    assert.deepEqual(calls, [])
  })

  it('reports a plain load to the page client (counted, seeded) unless the worker answered it (and reported it)', async () => {
    for (const viaWorker of [false, true]) {
      BaseLoader.loading = { start: 100, first: 110, end: 150 }
      const { calls, reported, load } = loaderWith({ answers: () => false })
      BaseLoader.loading = { start: 0, first: 0, end: 0 }
      BaseLoader.body = new ArrayBuffer(1000)
      BaseLoader.response = new Response(null, { headers: viaWorker ? { [WORKER_HEADER]: 'http' } : {} })
      load()
      await settle()
      assert.deepEqual(calls, ['success 1000'])
      const timing = { startedAt: 100, firstByteAt: 110, endedAt: 150 }
      const expected = viaWorker ? [] : [{ key: 'https://origin.test/seg1.ts', bytes: 1000, timing }]
      // Without the mark the request passed the worker by (before it controlled the page, or a segment it had not
      // seen listed), so nobody else reports it.
      assert.deepEqual(
        reported,
        expected,
        viaWorker
          ? 'the worker reports its own fetches'
          : 'no worker in the way: the loader reports, with the timing for the HTTP estimate',
      )
    }
  })

  it('after an abort (the player moved on), calls nothing back and loads nothing', async () => {
    let resolve!: (segment: DeliveredSegment) => void
    const { loader, calls, load } = loaderWith({ deliver: () => new Promise((done) => (resolve = done)) })
    load()
    loader.abort()
    resolve(delivered(10))
    await settle()
    assert.deepEqual(calls, [])
    assert.deepEqual(BaseLoader.loads, [])
  })
})

describe('hls.js playlist loader', () => {
  const PLAYLIST = [
    '#EXTM3U',
    '#EXT-X-TARGETDURATION:4',
    '#EXTINF:4,',
    `#EXT-X-LIVE-TORRENT-MAGNET:magnet:?xt=urn:btih:${'ab'.repeat(20)}&dn=seg1.ts&tr=ws%3A%2F%2Forigin.test%2Fannounce`,
    'seg1.ts',
  ].join('\n')

  it("hands a playlist's magnets to the page client unless the worker tapped it (and handed them over itself)", () => {
    for (const viaWorker of [false, true]) {
      const announced: string[] = []
      class TextLoader {
        constructor(_config: unknown) {}
        load(context: { url: string }, _config: unknown, callbacks: { onSuccess(...args: unknown[]): void }): void {
          const details = new Response(null, { headers: viaWorker ? { [WORKER_HEADER]: 'tapped' } : {} })
          callbacks.onSuccess({ url: context.url, data: PLAYLIST }, {}, context, details)
        }
        abort(): void {}
        destroy(): void {}
      }
      const client: LoaderClient = {
        announce: (url) => announced.push(url),
        answers: () => false,
        deliver: async () => null,
        fetchedElsewhere: () => {},
      }
      const { pLoader } = createLoaders(TextLoader as never, { client, bufferAheadMs: () => null })
      const loader = new pLoader({} as never) as unknown as { load(...args: unknown[]): void }
      loader.load({ url: 'https://origin.test/v0/index.m3u8' }, {}, { onSuccess: () => {}, onError: () => {}, onTimeout: () => {} })
      assert.deepEqual(announced, viaWorker ? [] : ['https://origin.test/v0/index.m3u8'], `through the worker: ${viaWorker}`)
    }
  })
})
