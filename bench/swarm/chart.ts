/**
 * The run's chart as a self-contained SVG (no dependencies): origin-side offload over time, one line per mode;
 * then per-viewer bars of P2P share (clients' counts) and of live latency, grouped by mode, since P2P share means
 * little without the latency it was bought with.
 */
import { writeFile } from 'node:fs/promises'
import type { ModeResult } from './metrics.js'
import type { RunReport } from './report.js'

const COLORS: Record<string, string> = {
  http: '#64748b',
  'live-torrent-sw': '#059669',
  'live-torrent-loader': '#34d399',
  p2pml: '#d97706',
  'p2pml-no-interstitials': '#f59e0b',
  'p2pml-no-worker': '#fcd34d',
}
const WIDTH = 960
const FONT = 'font-family="system-ui, sans-serif"'

const esc = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
const fmt = (n: number) => (Math.round(n * 10) / 10).toString()

interface Box {
  x: number
  y: number
  w: number
  h: number
}

function axes(box: Box, title: string, yTicks: Array<[number, string]>, yOf: (v: number) => number): string[] {
  const out = [`<text x="${box.x}" y="${box.y - 12}" ${FONT} font-size="14" font-weight="600">${esc(title)}</text>`]
  for (const [value, label] of yTicks) {
    const y = yOf(value)
    out.push(`<line x1="${box.x}" x2="${box.x + box.w}" y1="${fmt(y)}" y2="${fmt(y)}" stroke="#e2e8f0"/>`)
    out.push(`<text x="${box.x - 6}" y="${fmt(y + 4)}" ${FONT} font-size="11" text-anchor="end" fill="#475569">${label}</text>`)
  }
  out.push(`<line x1="${box.x}" x2="${box.x}" y1="${box.y}" y2="${box.y + box.h}" stroke="#94a3b8"/>`)
  return out
}

function offloadPanel(modes: ModeResult[], box: Box, duration: number): string[] {
  const values = modes.flatMap((m) => m.timeline.map((p) => p.offload ?? 0))
  const yMin = Math.min(0, Math.floor(Math.min(...values, 0) * 10) / 10)
  const yOf = (v: number) => box.y + box.h - ((v - yMin) / (1 - yMin)) * box.h
  const xOf = (t: number) => box.x + (t / duration) * box.w
  const ticks: Array<[number, string]> = []
  for (let v = Math.ceil(yMin * 5 - 1e-9) / 5; v <= 1.0001; v += 0.2) ticks.push([v, `${Math.round(v * 100)} %`])
  const out = axes(box, 'Offload over time (origin side, cumulative): 1 - origin segment bytes / bytes the players got', ticks, yOf)
  for (let t = 0; t <= duration; t += duration > 120 ? 30 : 10) {
    out.push(`<text x="${fmt(xOf(t))}" y="${box.y + box.h + 16}" ${FONT} font-size="11" text-anchor="middle" fill="#475569">${t} s</text>`)
  }
  modes.forEach((m, i) => {
    const points = m.timeline.filter((p) => p.offload !== null).map((p) => `${fmt(xOf(p.t))},${fmt(yOf(p.offload!))}`)
    const color = COLORS[m.mode] ?? '#000'
    if (points.length) out.push(`<polyline fill="none" stroke="${color}" stroke-width="2.2" points="${points.join(' ')}"/>`)
    const ly = box.y + 8 + i * 16
    out.push(`<rect x="${box.x + box.w + 14}" y="${ly - 9}" width="12" height="12" fill="${color}"/>`)
    out.push(
      `<text x="${box.x + box.w + 32}" y="${ly + 1}" ${FONT} font-size="12">${esc(m.mode)} ${esc(m.offloadOrigin === null ? '' : `${Math.round(m.offloadOrigin * 100)} %`)}</text>`,
    )
  })
  return out
}

function barsPanel(
  modes: ModeResult[],
  box: Box,
  title: string,
  value: (v: ModeResult['viewers'][number]) => number | null,
  max: number,
  ticks: Array<[number, string]>,
  label: (n: number) => string,
): string[] {
  const yOf = (v: number) => box.y + box.h - (Math.min(v, max) / max) * box.h
  const out = axes(box, title, ticks, yOf)
  const count = modes.reduce((n, m) => n + m.viewers.length, 0) + modes.length - 1
  const slot = box.w / Math.max(1, count)
  let x = box.x
  for (const m of modes) {
    const color = COLORS[m.mode] ?? '#000'
    const groupStart = x
    for (const v of m.viewers) {
      const val = v.ok ? value(v) : null
      const barX = x + slot * 0.12
      const barW = slot * 0.76
      if (val === null) {
        out.push(
          `<text x="${fmt(barX + barW / 2)}" y="${box.y + box.h - 4}" ${FONT} font-size="10" text-anchor="middle" fill="#dc2626">${v.ok ? '-' : '✕'}</text>`,
        )
      } else {
        const y = yOf(val)
        out.push(`<rect x="${fmt(barX)}" y="${fmt(y)}" width="${fmt(barW)}" height="${fmt(box.y + box.h - y)}" fill="${color}"/>`)
        if (barW > 16)
          out.push(
            `<text x="${fmt(barX + barW / 2)}" y="${fmt(y - 3)}" ${FONT} font-size="9" text-anchor="middle" fill="#334155">${label(val)}</text>`,
          )
      }
      x += slot
    }
    out.push(
      `<text x="${fmt((groupStart + x) / 2)}" y="${box.y + box.h + 16}" ${FONT} font-size="11" text-anchor="middle">${esc(m.mode)}</text>`,
    )
    x += slot
  }
  out.push(`<line x1="${box.x}" x2="${box.x + box.w}" y1="${box.y + box.h}" y2="${box.y + box.h}" stroke="#94a3b8"/>`)
  return out
}

export function chartSvg(report: RunReport): string {
  const modes = report.modes
  const top: Box = { x: 60, y: 92, w: 640, h: 220 }
  const share: Box = { x: 60, y: 384, w: 840, h: 180 }
  const latency: Box = { x: 60, y: 636, w: 840, h: 180 }
  const maxLatency = Math.max(10, ...modes.flatMap((m) => m.viewers.map((v) => v.latencySeconds ?? 0)))
  const latencyMax = Math.ceil(maxLatency / 10) * 10
  const latencyTicks: Array<[number, string]> = []
  for (let v = 0; v <= latencyMax; v += latencyMax > 40 ? 20 : 10) latencyTicks.push([v, `${v} s`])
  const body = [
    `<text x="20" y="28" ${FONT} font-size="16" font-weight="700">${esc(`Swarm benchmark: ${report.args.viewers} viewers, ${report.args.duration} s per mode, stagger ${report.args.stagger} ms`)}</text>`,
    `<text x="20" y="46" ${FONT} font-size="11" fill="#475569">${esc(`${report.date} · ${report.machine.cores} cores ${report.machine.cpuModel} · ${report.stream}`)}</text>`,
    ...offloadPanel(modes, top, report.args.duration),
    ...barsPanel(
      modes,
      share,
      'P2P share per viewer (client counts: peers / (peers + HTTP)); ✕ = failed viewer',
      (v) => v.p2pShare,
      1,
      [0, 0.25, 0.5, 0.75, 1].map((v) => [v, `${v * 100} %`] as [number, string]),
      (n) => `${Math.round(n * 100)}`,
    ),
    ...barsPanel(
      modes,
      latency,
      'Live latency per viewer (median hls.latency, s): lower is better',
      (v) => v.latencySeconds,
      latencyMax,
      latencyTicks,
      (n) => n.toFixed(0),
    ),
  ]
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="850" viewBox="0 0 ${WIDTH} 850">
<rect width="100%" height="100%" fill="#ffffff"/>
${body.join('\n')}
</svg>
`
}

export async function writeChart(path: string, report: RunReport): Promise<void> {
  await writeFile(path, chartSvg(report))
}
