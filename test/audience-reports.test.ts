import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import type { Origin } from '../src/origin/origin.js'
import type { AudienceSummary } from '../src/protocol/audience-summary.js'
import type { ViewerReport } from '../src/protocol/viewer-report.js'
import { getText, startOrigin } from './support/origin.js'

function report(session: string, seq: number, bytes: number, overrides: Partial<ViewerReport> = {}): ViewerReport {
  return {
    v: 1,
    session,
    seq,
    path: 'service-worker',
    p2p: true,
    rendition: '360p',
    uptimeMs: 5000 + seq * 10_000,
    totals: {
      bytesFromPeers: bytes,
      bytesFromHttp: bytes / 2,
      bytesUploaded: bytes,
      segmentsFromPeers: seq,
      segmentsFromHttp: 1,
      stalls: 0,
      stallMs: 0,
    },
    startupMs: 800,
    latencyMs: 12_000,
    ...overrides,
  }
}

describe('viewer reports the origin refuses', () => {
  let origin: Origin
  const sessions = [1, 2, 3].map(() => randomBytes(16).toString('hex'))
  const post = (body: string | Uint8Array, type = 'text/plain') =>
    fetch(new URL('/api/report', origin.url), {
      method: 'POST',
      body: typeof body === 'string' ? body : new Blob([new Uint8Array(body)]),
      headers: { 'content-type': type },
    }).then(async (response) => {
      await response.arrayBuffer()
      return response.status
    })
  const summary = async () => JSON.parse((await getText(new URL('/api/audience', origin.url).href)).text) as AudienceSummary

  before(async () => {
    // Three new sessions a minute from one address: the three real ones below use them up.
    origin = await startOrigin({ kind: 'sample' }, { audience: { newSessionsPerAddressPerMinute: 3, minReportIntervalMs: 1000 } })
    await origin.whenReady()
  })
  after(() => origin.stop())

  it('counts good reports once, and malformed, oversized, absurd, stale and flooding ones not at all', async () => {
    for (const session of sessions) assert.equal(await post(JSON.stringify(report(session, 1, 100_000))), 204)
    const counted = await summary()
    assert.equal(counted.viewers, 3)
    assert.equal(counted.totals.bytesFromPeers, 300_000)
    assert.equal(counted.totals.bytesFromHttp, 150_000)
    const [known] = sessions as [string]

    const malformed = [
      '',
      'not json',
      '[]',
      'null',
      '{"v":1}',
      JSON.stringify({ ...report(known, 9, 1), extra: 1 }),
      JSON.stringify({ ...report(known, 9, 1), v: 2 }),
      JSON.stringify(report('zz'.repeat(16), 9, 1)),
      JSON.stringify({ ...report(known, 9, 1), seq: -1 }),
      JSON.stringify({ ...report(known, 9, 1), seq: 1.5 }),
      JSON.stringify({ ...report(known, 9, 1), path: 'carrier-pigeon' }),
      JSON.stringify({ ...report(known, 9, 1), rendition: '<script>alert(1)</script>' }),
      JSON.stringify({ ...report(known, 9, 1), totals: { bytesFromPeers: '1' } }),
      JSON.stringify(report(known, 9, -5)),
      '{"v":1,"session":"' + 'a'.repeat(32) + '","seq":1e400}',
      '\u0000\u00ff\ufffd',
    ]
    const absurd = [
      JSON.stringify(report(known, 9, 4e15)),
      JSON.stringify(report(known, 9, 1e9)), // a gigabyte in a second or two
      JSON.stringify(report(known, 9, 50_000)), // totals that shrink
      JSON.stringify(report(known, 9, 200_000, { uptimeMs: 1000 })), // uptime that goes backwards
      JSON.stringify(report(known, 9, 200_000, { latencyMs: 1e12 })),
    ]
    const oversized = [Buffer.alloc(4096, 'x'), Buffer.alloc(5_000_000, '{')]
    const stale = [JSON.stringify(report(known, 1, 100_000)), JSON.stringify(report(known, 0, 100_000))]
    const newSessions = Array.from({ length: 500 }, () => JSON.stringify(report(randomBytes(16).toString('hex'), 1, 1000)))
    const expect = async (bodies: (string | Uint8Array)[], status: number, what: string) => {
      const statuses = await Promise.all(bodies.map((body) => post(body)))
      statuses.forEach((got, index) => assert.equal(got, status, `${what} #${index}: ${String(bodies[index]).slice(0, 80)}`))
    }
    await expect(malformed, 400, 'malformed')
    await expect(oversized, 413, 'oversized')
    // Past the session's minimum report interval, so that these are judged by their values.
    await new Promise((resolve) => setTimeout(resolve, 1100))
    await expect(absurd, 422, 'absurd')
    await expect(stale, 409, 'stale')
    await expect(newSessions, 429, 'a flood of new sessions from one address')
    assert.equal(await post('{}', 'application/json'), 400)
    // A known session reporting faster than it may: the first counts, the rest of the burst is a flood.
    await new Promise((resolve) => setTimeout(resolve, 1100))
    const burst = await Promise.all(Array.from({ length: 50 }, (_, index) => post(JSON.stringify(report(known, 10 + index, 110_000)))))
    assert.equal(burst.filter((status) => status === 204).length, 1, burst.join(','))
    assert.equal(burst.filter((status) => status === 429).length, 49)

    const after = await summary()
    assert.equal(after.viewers, 3)
    assert.equal(after.totals.bytesFromPeers, 310_000, 'only the one in-time report of the burst grew the totals')
    assert.equal(after.totals.bytesFromHttp, 155_000)
    const metrics = (await getText(new URL('/metrics', origin.url).href)).text
    for (const [result, count] of [
      ['malformed', malformed.length + 1],
      ['oversized', 2],
      ['absurd', absurd.length],
      ['stale', 2],
      ['flood', 549],
      ['accepted', 4],
    ] as const)
      assert.match(metrics, new RegExp(`live_torrent_viewer_reports_total\\{result="${result}"\\} ${count}\\n`))
    // The origin serves on.
    assert.equal((await getText(origin.playlistUrl)).status, 200)
  })
})
