/** What a fuzz run of one surface found: how many inputs, from which seed, and the worst one's cost. */
export interface SurfaceReport {
  surface: string
  inputs: number
  seed: number
  worstMs: number
  worstBytes: number
}

export function formatReports(reports: SurfaceReport[]): string {
  const rows = reports.map(
    (report) =>
      `| ${report.surface} | ${report.inputs} | ${report.seed} | ${report.worstMs.toFixed(1)} | ${(report.worstBytes / 2 ** 20).toFixed(1)} |`,
  )
  return [
    '| surface | inputs | seed | worst input ms | worst memory growth MB (after a collection when over 100) |',
    '|---|---|---|---|---|',
    ...rows,
  ].join('\n')
}
