/**
 * One mode, start to end: a fresh origin on the live folder (so its counters cover this mode only), the bench
 * tracker if the mode needs one, a fresh Chromium, N viewers opened on the schedule, progress every few seconds,
 * then freeze, read and tear down.
 */
import { launchChromium } from '../../test/support/browser.js'
import type { BenchArgs } from './args.js'
import { CpuMeter, waitForQuietMachine, type CpuSample } from './cpu.js'
import { modeResult, type ModeResult, type TimelinePoint } from './metrics.js'
import type { Mode } from './modes/index.js'
import { mediaBytes, PlaylistWatch, servedBytes, startBenchOrigin } from './origin.js'
import type { SourceSpec } from '../../src/origin/sources/resolve.js'
import type { BenchSite } from './site.js'
import { startTracker } from './tracker.js'
import { BenchViewer } from './viewers.js'

const SAMPLE_MS = 2000
const PROGRESS_MS = 6000
/** After the freeze: let aborted requests and last events settle before the final read. */
const SETTLE_MS = 1500

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)))
const mb = (bytes: number) => (bytes / 1e6).toFixed(1)

export interface RunContext {
  /** What every mode's fresh origin serves: the live folder, or the LL-HLS upstream. */
  source: SourceSpec
  site: BenchSite
  args: BenchArgs
}

function progressLine(
  mode: Mode,
  elapsed: number,
  duration: number,
  cpu: CpuSample | null,
  originBytes: number,
  viewers: BenchViewer[],
): string {
  const parts = viewers.map((v) => {
    if (v.failure) return `${v.name} FAILED`
    if (!v.openedAt) return `${v.name} -`
    const s = v.last
    if (!s || s.startupMs === null) return `${v.name} starting`
    const total = s.client.peers + s.client.http
    const share = total > 0 ? `${Math.round((100 * s.client.peers) / total)}%p2p` : '-'
    const stall = s.stalls ? ` ${s.stalls}stall` : ''
    return `${v.name} ${s.playedSeconds.toFixed(0)}s ${mb(s.fragBytes)}MB ${share}${stall}`
  })
  const cpuText = cpu === null ? '' : ` cpu ${Math.round(cpu.busy * 100)}% (others ${Math.round(cpu.others * 100)}%)`
  return `[${mode.name}] ${Math.round(elapsed)}/${duration} s${cpuText} origin ${mb(originBytes)}MB | ${parts.join(' | ')}`
}

export async function runMode(mode: Mode, ctx: RunContext): Promise<ModeResult> {
  const { args } = ctx
  if (args.quietWait > 0) await waitForQuietMachine(0.25, args.quietWait * 1000, (line) => console.log(line))
  const origin = await startBenchOrigin(ctx.source)
  const tracker = mode.needsTracker ? await startTracker() : null
  const watch = new PlaylistWatch(origin.playlistUrl)
  const browser = await launchChromium()
  const viewers = Array.from({ length: args.viewers }, (_, i) => new BenchViewer(i, `v${i + 1}`))
  try {
    watch.start()
    const pagePath = `/${mode.name}.html`
    const env = { playlistUrl: origin.playlistUrl, trackerUrl: tracker?.url ?? null, lowLatency: args.lowLatency }
    ctx.site.setPage(pagePath, mode.page(env))
    const pageUrl = ctx.site.url + pagePath
    console.log(`[${mode.name}] ${mode.description}; origin ${origin.url}${tracker ? `, tracker ${tracker.url}` : ''}`)

    const cpu = new CpuMeter()
    const startedAt = new Date()
    const t0 = Date.now()
    const end = t0 + args.duration * 1000
    const opens = viewers.map(async (viewer) => {
      await sleep(t0 + viewer.index * args.stagger - Date.now())
      await viewer.open(browser, pageUrl, args.httpCache, args.returnVisit)
    })
    const timeline: TimelinePoint[] = []
    let lastProgress = 0
    let lastCpu: CpuSample | null = null
    while (Date.now() < end) {
      await sleep(Math.min(SAMPLE_MS, end - Date.now()))
      await Promise.all(viewers.filter((v) => v.loaded).map((v) => v.snapshot()))
      const served = await servedBytes(origin)
      const media = mediaBytes(served)
      const played = viewers.reduce((sum, v) => sum + (v.last?.fragBytes ?? 0), 0)
      timeline.push({
        t: Math.round((Date.now() - t0) / 100) / 10,
        originSegmentBytes: media,
        playedBytes: played,
        offload: played > 0 ? Math.round((1 - media / played) * 1e4) / 1e4 : null,
      })
      lastCpu = cpu.sample() ?? lastCpu
      if (Date.now() - lastProgress >= PROGRESS_MS) {
        lastProgress = Date.now()
        console.log(progressLine(mode, (Date.now() - t0) / 1000, args.duration, lastCpu, media, viewers))
      }
    }
    await Promise.all(opens)
    // Stop every player at once and read the origin at that moment: both counts then cover the same requests.
    await Promise.all(viewers.map((v) => v.freeze()))
    const served = await servedBytes(origin)
    const watcherPlaylistBytes = watch.ownBytes
    watch.stop()
    await sleep(SETTLE_MS)
    await Promise.all(viewers.map((v) => v.readFinal()))
    const result = modeResult({
      mode: mode.name,
      description: mode.description,
      startedAt,
      durationSeconds: args.duration,
      viewers,
      firstSeen: watch.firstSeen,
      renditionOf: watch.renditionOf,
      served,
      watcherPlaylistBytes,
      cpuBusyMean: cpu.mean()?.busy ?? null,
      cpuOthersMean: cpu.mean()?.others ?? null,
      timeline,
    })
    const failed = result.viewers.filter((v) => !v.ok)
    console.log(
      `[${mode.name}] done: ${result.viewersOk}/${args.viewers} viewers played; offload origin ${pct(result.offloadOrigin)}, ` +
        `clients ${pct(result.offloadClients)}${result.flagged ? ' (DISAGREE)' : ''}` +
        (failed.length ? `; failed: ${failed.map((v) => `${v.name} (${v.failure})`).join(', ')}` : ''),
    )
    return result
  } finally {
    watch.stop()
    await Promise.all(viewers.map((v) => v.close()))
    await browser.close().catch(() => {})
    await tracker?.close().catch(() => {})
    await origin.stop().catch(() => {})
  }
}

function pct(share: number | null): string {
  return share === null ? '-' : `${(share * 100).toFixed(1)} %`
}
