import { Chart, Filler, LinearScale, LineController, LineElement, PointElement, Tooltip } from 'chart.js'
import type { HistoryPoint } from '../protocol/audience-summary.js'

// Only what one line chart uses: the rest of chart.js stays out of the bundle.
Chart.register(LineController, LineElement, PointElement, LinearScale, Filler, Tooltip)

const PEERS_COLOR = '#34d399'
const GRID_COLOR = 'rgba(148, 163, 184, 0.12)'

type Point = { x: number; y: number | null }

/** The audience's P2P share over time, in percent, minutes before now on the x axis. */
export class ShareChart {
  private readonly chart: Chart<'line', Point[]>

  constructor(canvas: HTMLCanvasElement) {
    Chart.defaults.font.family = getComputedStyle(document.body).fontFamily
    Chart.defaults.color = '#94a3b8'
    this.chart = new Chart<'line', Point[]>(canvas, {
      type: 'line',
      data: {
        datasets: [
          {
            label: 'P2P share',
            data: [],
            borderColor: PEERS_COLOR,
            backgroundColor: `${PEERS_COLOR}30`,
            fill: 'origin',
            pointRadius: 0,
            borderWidth: 2,
            spanGaps: false,
          },
        ],
      },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        scales: {
          x: { type: 'linear', grid: { color: GRID_COLOR }, ticks: { maxTicksLimit: 6, callback: (value) => minutesAgo(Number(value)) } },
          y: { min: 0, max: 100, grid: { color: GRID_COLOR }, ticks: { maxTicksLimit: 5, callback: (value) => `${String(value)} %` } },
        },
        plugins: {
          tooltip: {
            callbacks: { title: (items) => minutesAgo(items[0]?.parsed.x ?? 0), label: (item) => ` ${(item.parsed.y ?? 0).toFixed(1)} %` },
          },
        },
      },
    })
  }

  show(history: HistoryPoint[], now: number): void {
    const [dataset] = this.chart.data.datasets
    if (!dataset) return
    dataset.data = history.map((point) => ({ x: (point.at - now) / 60_000, y: point.share === null ? null : point.share * 100 }))
    this.chart.update('none')
  }
}

function minutesAgo(offsetMinutes: number): string {
  const minutes = Math.round(-offsetMinutes * 10) / 10
  return minutes <= 0 ? 'now' : `${minutes} min`
}
