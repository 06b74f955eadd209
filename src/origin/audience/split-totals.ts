import type { Split } from '../../protocol/audience-summary.js'
import { REPORT_TOTAL_NAMES, type ReportTotals } from '../../protocol/viewer-report.js'

export function emptyTotals(): ReportTotals {
  return { bytesFromPeers: 0, bytesFromHttp: 0, bytesUploaded: 0, segmentsFromPeers: 0, segmentsFromHttp: 0, stalls: 0, stallMs: 0 }
}

export function addTotals(into: ReportTotals, delta: ReportTotals): void {
  for (const name of REPORT_TOTAL_NAMES) into[name] += delta[name]
}

export function shareOf(totals: Pick<ReportTotals, 'bytesFromPeers' | 'bytesFromHttp'>): number | null {
  const bytes = totals.bytesFromPeers + totals.bytesFromHttp
  return bytes === 0 ? null : totals.bytesFromPeers / bytes
}

/** Counted report growth by (rendition, path), the two splits the dashboard shows. */
export class SplitTotals {
  private readonly cells = new Map<string, { rendition: string; path: string; totals: ReportTotals }>()

  add(rendition: string, path: string, delta: ReportTotals): void {
    const key = `${rendition}\n${path}`
    let cell = this.cells.get(key)
    if (!cell) this.cells.set(key, (cell = { rendition, path, totals: emptyTotals() }))
    addTotals(cell.totals, delta)
  }

  sum(): ReportTotals {
    const all = emptyTotals()
    for (const cell of this.cells.values()) addTotals(all, cell.totals)
    return all
  }

  /** Totals per rendition or per path; `viewers` gives the viewers in each now (also for ones without bytes yet). */
  by(dimension: 'rendition' | 'path', viewers: Map<string, number>): Split[] {
    const groups = new Map<string, ReportTotals>()
    for (const name of viewers.keys()) groups.set(name, emptyTotals())
    for (const cell of this.cells.values()) {
      const name = cell[dimension]
      if (!groups.has(name)) groups.set(name, emptyTotals())
      addTotals(groups.get(name)!, cell.totals)
    }
    return [...groups].map(([name, totals]) => ({ name, viewers: viewers.get(name) ?? 0, totals, share: shareOf(totals) }))
  }
}
