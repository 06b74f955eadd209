import type { LiveTorrentPageApi } from '../client/page-api.js'
import type { Playback } from './playback.js'
import { showStat, StatsPanel } from './stats-panel.js'
import { TrafficChart } from './traffic-chart.js'
import { TrafficHistory } from './traffic-history.js'

const SAMPLE_EVERY_MS = 1000
const CHART_SPAN_SECONDS = 120
/** About two 4 s segments: long enough to smooth the bursts of segment downloads into a rate. */
const RATE_AVERAGE_MS = 8000

/**
 * The live numbers of the page: polls `liveTorrent.stats` once a second (the object is updated in place) and
 * refreshes the tiles, the chart and the distance to the live edge.
 */
export class Dashboard {
  private readonly panel: StatsPanel
  private readonly history = new TrafficHistory(CHART_SPAN_SECONDS * 1000, RATE_AVERAGE_MS)
  private readonly chart: TrafficChart
  private readonly behindLive: HTMLElement | null
  private playback: Playback | null = null

  constructor(
    root: ParentNode,
    chartCanvas: HTMLCanvasElement,
    private readonly api: LiveTorrentPageApi | undefined,
  ) {
    this.panel = new StatsPanel(root)
    this.chart = new TrafficChart(chartCanvas, CHART_SPAN_SECONDS)
    this.behindLive = root.querySelector<HTMLElement>('[data-stat="behind-live"]')
  }

  start(): void {
    this.sample()
    setInterval(() => this.sample(), SAMPLE_EVERY_MS)
  }

  follow(playback: Playback): void {
    this.playback = playback
  }

  private sample(): void {
    if (this.api) {
      const stats = this.api.stats
      this.panel.update(stats)
      this.history.add({ at: performance.now(), fromPeers: stats.bytesFromPeers, fromHttp: stats.bytesFromHttp })
      this.chart.show(this.history.rates())
    }
    const seconds = this.playback?.secondsBehindLive() ?? null
    if (this.behindLive) showStat(this.behindLive, seconds === null ? '–' : `${seconds.toFixed(1)} s`, seconds ?? '')
  }
}
