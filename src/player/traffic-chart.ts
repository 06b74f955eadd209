import {
  Chart,
  Filler,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
  type ChartDataset,
  type ScriptableContext,
} from 'chart.js'
import { formatRate } from './format.js'
import type { TrafficRate } from './traffic-history.js'

// Registering only what a stacked line chart uses keeps the rest of chart.js out of the bundle.
Chart.register(LineController, LineElement, PointElement, LinearScale, Filler, Legend, Tooltip)

type Point = { x: number; y: number }

const PEERS_COLOR = '#34d399'
const HTTP_COLOR = '#f59e0b'
const GRID_COLOR = 'rgba(148, 163, 184, 0.12)'
const TEXT_COLOR = '#94a3b8'

/** A stacked area chart of download rates (from peers over HTTP), the last `spanSeconds` up to now. */
export class TrafficChart {
  private readonly chart: Chart<'line', Point[]>

  constructor(canvas: HTMLCanvasElement, spanSeconds: number) {
    Chart.defaults.font.family = getComputedStyle(document.body).fontFamily
    Chart.defaults.color = TEXT_COLOR
    this.chart = new Chart<'line', Point[]>(canvas, {
      type: 'line',
      data: { datasets: [areaDataset('From peers', PEERS_COLOR, 'origin'), areaDataset('Over HTTP', HTTP_COLOR, '-1')] },
      options: {
        // New points arrive every second; animating each shift makes the whole chart wobble.
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        interaction: { mode: 'index', intersect: false },
        scales: {
          x: timeAxis(spanSeconds),
          y: {
            stacked: true,
            beginAtZero: true,
            // An empty chart still gets a sensible scale instead of 0..1 B/s.
            suggestedMax: 100_000,
            grid: { color: GRID_COLOR },
            border: { display: false },
            ticks: { maxTicksLimit: 5, callback: (value) => formatRate(Number(value)) },
          },
        },
        plugins: {
          legend: { position: 'top', align: 'end', labels: { usePointStyle: true, pointStyle: 'rectRounded', boxHeight: 8 } },
          tooltip: {
            callbacks: {
              title: (items) => secondsAgo(items[0]?.parsed.x ?? 0),
              label: (item) => ` ${item.dataset.label}: ${formatRate(item.parsed.y ?? 0)}`,
            },
          },
        },
      },
    })
  }

  /** Replots the rates, placing the newest one at "now". */
  show(rates: TrafficRate[]): void {
    const newest = rates.at(-1)?.at ?? 0
    const x = (rate: TrafficRate): number => (rate.at - newest) / 1000
    const [peers, http] = this.chart.data.datasets
    if (!peers || !http) return
    peers.data = rates.map((rate) => ({ x: x(rate), y: rate.fromPeers }))
    http.data = rates.map((rate) => ({ x: x(rate), y: rate.fromHttp }))
    this.chart.update('none')
  }
}

function areaDataset(label: string, color: string, fill: 'origin' | '-1'): ChartDataset<'line', Point[]> {
  return {
    label,
    data: [],
    fill,
    borderColor: color,
    backgroundColor: (context: ScriptableContext<'line'>) => fadingFill(context, color),
    borderWidth: 2,
    pointRadius: 0,
    pointHoverRadius: 3,
    cubicInterpolationMode: 'monotone',
  }
}

/** A vertical gradient under the line: the color at the top, nearly transparent at the axis. */
function fadingFill(context: ScriptableContext<'line'>, color: string): CanvasGradient | string {
  const area = context.chart.chartArea
  // The chart area is unknown on the very first layout pass.
  if (!area) return `${color}40`
  const gradient = context.chart.ctx.createLinearGradient(0, area.top, 0, area.bottom)
  gradient.addColorStop(0, `${color}80`)
  gradient.addColorStop(1, `${color}14`)
  return gradient
}

function timeAxis(spanSeconds: number) {
  return {
    type: 'linear' as const,
    min: -spanSeconds,
    max: 0,
    grid: { color: GRID_COLOR },
    border: { display: false },
    ticks: { stepSize: 30, maxRotation: 0, callback: (value: number | string) => tickLabel(Number(value)) },
  }
}

/** Axis labels stay short enough for a phone: "90 s", "now" (the chart's caption says "ago"). */
function tickLabel(offsetSeconds: number): string {
  const seconds = Math.round(-offsetSeconds)
  return seconds === 0 ? 'now' : `${seconds} s`
}

function secondsAgo(offsetSeconds: number): string {
  const seconds = Math.round(-offsetSeconds)
  return seconds === 0 ? 'now' : `${seconds} s ago`
}
