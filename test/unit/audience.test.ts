import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { Registry } from 'prom-client'
import { Scheduler } from '../../bench/sim/scheduler.js'
import { Reporter } from '../../src/client/report/reporter.js'
import { Audience } from '../../src/origin/audience/audience.js'
import { DEFAULT_AUDIENCE_CONFIG, resolveAudienceConfig } from '../../src/origin/audience/config.js'
import { checkReport } from '../../src/origin/audience/report-check.js'
import type { ViewerReport } from '../../src/protocol/viewer-report.js'

const SESSION = 'ab'.repeat(16)

function report(seq: number, bytes: number, overrides: Partial<ViewerReport> = {}): ViewerReport {
  return {
    v: 1,
    session: SESSION,
    seq,
    path: 'loader',
    p2p: true,
    rendition: '720p',
    uptimeMs: seq * 10_000,
    totals: {
      bytesFromPeers: bytes,
      bytesFromHttp: bytes,
      bytesUploaded: 0,
      segmentsFromPeers: 0,
      segmentsFromHttp: 0,
      stalls: 0,
      stallMs: 0,
    },
    startupMs: 900,
    latencyMs: 10_000,
    ...overrides,
  }
}

function audienceAt(clock: { now: number }, overrides = {}): Audience {
  return new Audience(resolveAudienceConfig(overrides), new Registry(), () => clock.now)
}

describe('audience: counting reports', () => {
  it('counts the growth of cumulative totals, so a lost report loses nothing and a replay adds nothing', () => {
    const clock = { now: 0 }
    const audience = audienceAt(clock)
    assert.deepEqual(audience.accept(report(1, 1000), 'a'), { ok: true, result: 'accepted' })
    clock.now += 10_000
    // Report 2 was lost; report 3 carries everything.
    assert.equal(audience.accept(report(3, 5000), 'a').ok, true)
    clock.now += 10_000
    assert.equal(audience.accept(report(3, 5000), 'a').ok, false)
    assert.equal(audience.totals().all.bytesFromPeers, 5000)
  })

  it('takes a session first seen long after its page loaded as a baseline (an origin restart does not count its past again)', () => {
    const clock = { now: 0 }
    const audience = audienceAt(clock)
    const late = report(40, 50_000_000, { uptimeMs: 30 * 60_000 })
    assert.deepEqual(audience.accept(late, 'a'), { ok: true, result: 'baseline' })
    assert.equal(audience.totals().all.bytesFromPeers, 0)
    assert.equal(audience.viewersNow(), 1)
    clock.now += 10_000
    audience.accept(report(41, 50_001_000, { uptimeMs: 30 * 60_000 + 10_000 }), 'a')
    assert.equal(audience.totals().all.bytesFromPeers, 1000)
  })

  it('refuses growth faster than any viewer link, measured on its own clock', () => {
    const clock = { now: 0 }
    const audience = audienceAt(clock, { maxViewerBitsPerSecond: 8_000_000 })
    audience.accept(report(1, 0), 'a')
    clock.now += 8000
    // 1 MB/s for 8 s (+2 s slack) is 10 MB down at most; 6 MB + 6 MB is 12 MB.
    assert.equal(audience.accept(report(2, 6_000_000), 'a').ok, false)
    assert.equal(audience.accept(report(2, 4_000_000), 'a').ok, true)
  })

  it('forgets viewers that stopped reporting from the viewer count, not from the totals', () => {
    const clock = { now: 0 }
    const audience = audienceAt(clock)
    audience.accept(report(1, 1000), 'a')
    clock.now += DEFAULT_AUDIENCE_CONFIG.activeWindowMs + 1
    assert.equal(audience.viewersNow(), 0)
    assert.equal(audience.totals().all.bytesFromPeers, 1000)
  })

  it('keeps rendition labels bounded: beyond 16 names, "other"', () => {
    const clock = { now: 0 }
    const audience = audienceAt(clock, { newSessionsPerAddressPerMinute: 100 })
    for (let index = 0; index < 20; index++)
      audience.accept(report(1, 10, { session: index.toString(16).padStart(32, '0'), rendition: `r${index}` }), 'a')
    const names = audience.totals().byRendition.map((split) => split.name)
    assert.equal(names.length, 17)
    assert.ok(names.includes('other'))
  })

  it('reads a report field by field', () => {
    assert.equal(checkReport(JSON.stringify(report(1, 1)), 2048).ok, true)
    assert.deepEqual(checkReport('{"v":1,"session":"x"}', 2048), {
      ok: false,
      reason: 'malformed',
      message: 'session must be 16 to 64 hex digits',
    })
    assert.equal(checkReport(JSON.stringify(report(1, 1, { uptimeMs: 1, totals: { ...report(1, 1).totals, stallMs: 5 } })), 2048).ok, false)
    assert.throws(() => resolveAudienceConfig({ pricePerGb: -1 }), /pricePerGb must be a number of at least 0/)
    assert.throws(() => resolveAudienceConfig({ nope: 1 } as never), /unknown option "nope"/)
  })
})

describe('reporter (page side)', () => {
  it('reports cumulative totals every interval once it knows where to, and once more when the page hides', () => {
    const clock = new Scheduler()
    const sent: { body: ViewerReport; leaving: boolean }[] = []
    let url: string | null = null
    const reporter = new Reporter(10_000, SESSION, {
      clock,
      snapshot: () => {
        const { v: _v, session: _s, seq: _q, ...body } = report(1, clock.now())
        return body
      },
      url: () => url,
      send: (_url, body, leaving) => sent.push({ body: JSON.parse(body) as ViewerReport, leaving }),
    })
    reporter.start()
    clock.advance(10_000)
    assert.equal(sent.length, 0, 'no report before the stream names its origin')
    url = 'https://origin.test/api/report'
    clock.advance(25_000)
    reporter.flush(true)
    // A hidden tab fires visibilitychange and pagehide at once: one report, not one the origin would refuse.
    reporter.flush(true)
    assert.deepEqual(
      sent.map((entry) => [entry.body.seq, entry.body.totals.bytesFromPeers, entry.leaving]),
      [
        [1, 20_000, false],
        [2, 30_000, false],
        [3, 35_000, true],
      ],
    )
    reporter.stop()
    clock.advance(60_000)
    assert.equal(sent.length, 3)
  })
})
