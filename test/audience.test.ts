import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { Page } from 'playwright-core'
import type { AudienceSummary } from '../src/protocol/audience-summary.js'
import type { Origin } from '../src/origin/origin.js'
import { formatPercent } from '../src/player/format.js'
import { launchChromium, type Browser } from './support/browser.js'
import { eventually, getText, startOrigin } from './support/origin.js'
import { openViewer, type Viewer } from './support/viewers.js'

const REPORT_INTERVAL_MS = 2000

/** One sample's value in Prometheus text, summed over its label sets. */
function metricSum(text: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0
  for (const line of text.split('\n')) {
    const match = /^(\w+)(\{[^}]*\})? (\S+)$/.exec(line)
    if (!match || match[1] !== name) continue
    if (!Object.entries(labels).every(([key, value]) => (match[2] ?? '').includes(`${key}="${value}"`))) continue
    sum += Number(match[3])
  }
  return sum
}

interface Sums {
  peers: number
  http: number
  uploaded: number
  stalls: number
}

async function viewerSums(viewers: Viewer[]): Promise<Sums> {
  const all = await Promise.all(viewers.map((viewer) => viewer.stats()))
  return {
    peers: all.reduce((sum, stats) => sum + stats.bytesFromPeers, 0),
    http: all.reduce((sum, stats) => sum + stats.bytesFromHttp, 0),
    uploaded: all.reduce((sum, stats) => sum + stats.bytesUploaded, 0),
    stalls: all.reduce((sum, stats) => sum + stats.stalls, 0),
  }
}

async function originSums(origin: Origin): Promise<Sums & { text: string }> {
  const text = (await getText(new URL('/metrics', origin.url).href)).text
  return {
    text,
    peers: metricSum(text, 'live_torrent_viewer_bytes_total', { source: 'peers' }),
    http: metricSum(text, 'live_torrent_viewer_bytes_total', { source: 'http' }),
    uploaded: metricSum(text, 'live_torrent_viewer_uploaded_bytes_total'),
    stalls: metricSum(text, 'live_torrent_viewer_stalls_total'),
  }
}

async function audience(origin: Origin): Promise<AudienceSummary> {
  return JSON.parse((await getText(new URL('/api/audience', origin.url).href)).text) as AudienceSummary
}

describe('the audience at the origin, from viewers reports', () => {
  let browser: Browser
  let origin: Origin
  const viewers: Viewer[] = []
  let dashboard: Page | undefined

  before(async () => {
    browser = await launchChromium()
    origin = await startOrigin({ kind: 'sample' }, { audience: { historyIntervalMs: 2000 } })
    await origin.whenReady()
  })
  after(async () => {
    await dashboard?.close().catch(() => {})
    await Promise.all(viewers.map((viewer) => viewer.close().catch(() => {})))
    await browser.close()
    await origin.stop()
  })

  it("counts in /metrics what the viewers' own stats say, and the dashboard shows the same share", async () => {
    for (const name of ['a', 'b', 'c']) {
      viewers.push(await openViewer(browser, origin.url, { name, config: { reportIntervalMs: REPORT_INTERVAL_MS } }))
      await new Promise((resolve) => setTimeout(resolve, 3000))
    }
    await eventually(
      async () =>
        (await viewerSums(viewers)).peers > 0 &&
        (await Promise.all(viewers.map((v) => v.playback()))).every((p) => p.firstFrameAt !== null),
      40_000,
      'three viewers playing, some bytes from peers',
    )
    // Every viewer reports within an interval: what the origin counts lies between the viewers' totals just before
    // and just after a little more than one interval.
    const before = await viewerSums(viewers)
    await new Promise((resolve) => setTimeout(resolve, REPORT_INTERVAL_MS * 1.5 + 500))
    const counted = await originSums(origin)
    const afterwards = await viewerSums(viewers)
    for (const key of ['peers', 'http', 'uploaded', 'stalls'] as const) {
      assert.ok(
        counted[key] >= before[key] && counted[key] <= afterwards[key],
        `${key}: viewers ${before[key]}..${afterwards[key]}, origin ${counted[key]}`,
      )
    }
    assert.equal(metricSum(counted.text, 'live_torrent_viewers'), 3)
    assert.equal(metricSum(counted.text, 'live_torrent_viewer_startup_seconds_count'), 3)
    const share = metricSum(counted.text, 'live_torrent_audience_p2p_share')
    assert.ok(Math.abs(share - counted.peers / (counted.peers + counted.http)) < 1e-9)

    const summary = await audience(origin)
    assert.equal(summary.viewers, 3)
    assert.deepEqual(
      summary.paths.map((split) => [split.name, split.viewers]),
      [['service-worker', 3]],
    )
    assert.equal(summary.startupMs.count, 3)
    assert.ok(summary.latencyMs.count === 3 && summary.latencyMs.p50! > 0, JSON.stringify(summary.latencyMs))

    // With the viewers gone (each sends a last report as its page closes) the figures stand still, so the
    // dashboard, /api/audience and /metrics can be compared exactly.
    await Promise.all(viewers.map((viewer) => viewer.close()))
    const { final, finalMetrics } = await eventually(
      async () => {
        await new Promise((resolve) => setTimeout(resolve, 1000))
        const before = await audience(origin)
        const metrics = await originSums(origin)
        const after = await audience(origin)
        return JSON.stringify(before.totals) === JSON.stringify(after.totals) ? { final: after, finalMetrics: metrics } : undefined
      },
      15_000,
      'the last reports to be in',
    )
    assert.equal(final.share, metricSum(finalMetrics.text, 'live_torrent_audience_p2p_share'))
    assert.equal(final.totals.bytesFromPeers, finalMetrics.peers)
    dashboard = await browser.newPage()
    await dashboard.goto(new URL('/dashboard', origin.url).href)
    await eventually(async () => (await dashboard!.textContent('#viewers')) === '3', 10_000, 'the dashboard to show 3 viewers')
    await eventually(
      async () => (await dashboard!.textContent('#share')) === formatPercent(final.share!),
      10_000,
      `the dashboard to show the share of /api/audience and /metrics, ${formatPercent(final.share!)}`,
    )
    assert.ok(summary.history.length > 0)
  })
})
