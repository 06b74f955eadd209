/** The simulator's table (stdout, RESULTS.md) and chart (an SVG of share and HTTP fetches against the audience size). */
import type { SimRun } from './run.js'

const pct = (value: number | null) => (value === null ? '-' : `${(value * 100).toFixed(1)} %`)
const num = (value: number | null, digits = 0) => (value === null ? '-' : value.toFixed(digits))

export function simTable(runs: readonly SimRun[]): string {
  const rows = runs.map(
    (run) =>
      `| ${run.policy} | ${run.viewers} | ${pct(run.originShare)} | ${pct(run.ceiling)} | ${num(run.httpFetchesPerSegment, 1)} (${num(run.startupFetchesPerSegment, 1)} startup) | ${run.stalls} | ${num(run.readyP50Ms)} / ${num(run.readyP95Ms)} | ${num(run.latencyTargets.p50, 2)} / ${num(run.latencyTargets.max, 2)} | ${num(run.uploadRatioP50, 2)} / ${num(run.uploadRatioMax, 2)} | ${num(run.startupMs.p50)} | ${num(run.wallSeconds, 1)} |`,
  )
  return [
    '| policy | viewers | origin-side share | ceiling 1-1/N | HTTP fetches / segment | stalls | ready p50 / p95 ms | latency p50 / max (target durations) | upload ratio p50 / max | startup p50 ms | wall s |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
    ...rows,
  ].join('\n')
}

const W = 880
const H = 320
const FONT = 'font-family="system-ui, sans-serif"'
const COLORS: Record<string, string> = { rank: '#059669', lottery: '#d97706', none: '#64748b' }

/** Two panels over log N: the share against its ceiling, and HTTP fetches per segment against lines of N and sqrt N. */
export function simChart(runs: readonly SimRun[]): string {
  const sizes = [...new Set(runs.map((run) => run.viewers))].sort((a, b) => a - b)
  const minLog = Math.log10(Math.min(...sizes))
  const maxLog = Math.max(minLog + 1, Math.log10(Math.max(...sizes)))
  const xOf = (n: number, x0: number, width: number) => x0 + ((Math.log10(n) - minLog) / (maxLog - minLog)) * width
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}">`,
    `<rect width="${W}" height="${H}" fill="#fff"/>`,
  ]
  const panel = (
    x0: number,
    title: string,
    yOf: (v: number) => number,
    ticks: [number, string][],
    series: { color: string; points: [number, number][]; dash?: boolean; label: string }[],
    legendY: number,
  ) => {
    const width = 330
    out.push(`<text x="${x0}" y="28" ${FONT} font-size="14" font-weight="600">${title}</text>`)
    for (const [value, label] of ticks) {
      out.push(`<line x1="${x0}" x2="${x0 + width}" y1="${yOf(value).toFixed(1)}" y2="${yOf(value).toFixed(1)}" stroke="#e2e8f0"/>`)
      out.push(
        `<text x="${x0 - 6}" y="${(yOf(value) + 4).toFixed(1)}" ${FONT} font-size="11" text-anchor="end" fill="#475569">${label}</text>`,
      )
    }
    for (const n of sizes)
      out.push(
        `<text x="${xOf(n, x0, width).toFixed(1)}" y="${H - 40}" ${FONT} font-size="11" text-anchor="middle" fill="#475569">${n}</text>`,
      )
    out.push(
      `<text x="${x0 + width / 2}" y="${H - 22}" ${FONT} font-size="12" text-anchor="middle" fill="#475569">viewers (log scale)</text>`,
    )
    series.forEach((line, index) => {
      const points = line.points.map(([n, v]) => `${xOf(n, x0, width).toFixed(1)},${yOf(v).toFixed(1)}`).join(' ')
      out.push(
        `<polyline fill="none" stroke="${line.color}" stroke-width="2.2" ${line.dash ? 'stroke-dasharray="5 4"' : ''} points="${points}"/>`,
      )
      for (const [n, v] of line.points)
        if (!line.dash) out.push(`<circle cx="${xOf(n, x0, width).toFixed(1)}" cy="${yOf(v).toFixed(1)}" r="3" fill="${line.color}"/>`)
      out.push(`<text x="${x0 + 8}" y="${legendY + index * 15}" ${FONT} font-size="11" fill="${line.color}">${line.label}</text>`)
    })
  }
  const policies = [...new Set(runs.map((run) => run.policy))]
  const top = 60
  const bottom = H - 60
  const shareOf = (v: number) => bottom - v * (bottom - top)
  panel(
    70,
    'Origin-side P2P share',
    shareOf,
    [0, 0.25, 0.5, 0.75, 1].map((v) => [v, `${v * 100} %`]),
    [
      { color: '#94a3b8', dash: true, label: 'ceiling 1 - 1/N', points: sizes.map((n) => [n, 1 - 1 / n]) },
      ...policies.map((policy) => ({
        color: COLORS[policy] ?? '#000',
        label: `share, ${policy}`,
        points: runs.filter((run) => run.policy === policy).map((run) => [run.viewers, run.originShare] as [number, number]),
      })),
    ],
    bottom - 15 * (policies.length + 1),
  )
  const fetches = runs.map((run) => run.httpFetchesPerSegment)
  const maxFetch = Math.max(1, ...fetches, ...sizes.map((n) => n / 10))
  const logFetch = (v: number) => bottom - ((Math.log10(Math.max(0.1, v)) + 1) / (Math.log10(maxFetch) + 1)) * (bottom - top)
  const reference = runs.find((run) => run.viewers === sizes[0] && run.policy === 'rank')?.httpFetchesPerSegment ?? 1
  panel(
    520,
    'HTTP fetches per segment',
    logFetch,
    [0.1, 1, 10, 100, 1000].filter((v) => v <= maxFetch * 1.01).map((v) => [v, String(v)]),
    [
      {
        color: '#94a3b8',
        dash: true,
        label: 'linear in N (from the smallest run)',
        points: sizes.map((n) => [n, reference * (n / sizes[0]!)]),
      },
      { color: '#cbd5e1', dash: true, label: 'square root of N', points: sizes.map((n) => [n, reference * Math.sqrt(n / sizes[0]!)]) },
      ...policies.map((policy) => ({
        color: COLORS[policy] ?? '#000',
        label: `fetches, ${policy}`,
        points: runs.filter((run) => run.policy === policy).map((run) => [run.viewers, run.httpFetchesPerSegment] as [number, number]),
      })),
      {
        color: COLORS.rank!,
        dash: true,
        label: 'fetches, rank, without players starting',
        points: runs
          .filter((run) => run.policy === 'rank')
          .map((run) => [run.viewers, Math.max(0.1, run.httpFetchesPerSegment - run.startupFetchesPerSegment)] as [number, number]),
      },
    ],
    52,
  )
  out.push('</svg>')
  return out.join('\n')
}
