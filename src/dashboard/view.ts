import type { AudienceSummary, Percentiles, Split } from '../protocol/audience-summary.js'
import { formatBytes, formatCount, formatPercent } from '../player/format.js'

/** Writes the summary's figures into the page's tiles and tables (elements found by id). */
export function showSummary(summary: AudienceSummary): void {
  text('viewers', formatCount(summary.viewers))
  text('share', summary.share === null ? '–' : formatPercent(summary.share))
  text('peer-bytes', formatBytes(summary.totals.bytesFromPeers))
  text('http-bytes', formatBytes(summary.totals.bytesFromHttp))
  text('saved', formatBytes(summary.saved.bytes))
  const { money, currency, pricePerGb } = summary.saved
  text('saved-money', `${formatMoney(money)} ${currency} at ${pricePerGb} ${currency}/GB`)
  text('stalls', formatCount(summary.totals.stalls))
  text('stall-time', `${(summary.totals.stallMs / 1000).toFixed(1)} s stalled`)
  text('startup', seconds(summary.startupMs))
  text('latency', seconds(summary.latencyMs))
  table('renditions', summary.renditions)
  table('paths', summary.paths)
}

/** Cents for sums of a cent or more; two significant digits below, so that a small test audience shows something. */
function formatMoney(amount: number): string {
  return amount >= 0.01 || amount === 0 ? amount.toFixed(2) : amount.toPrecision(2)
}

function seconds(spread: Percentiles): string {
  if (spread.p50 === null || spread.p95 === null) return '–'
  return `${(spread.p50 / 1000).toFixed(1)} / ${(spread.p95 / 1000).toFixed(1)} s`
}

function table(id: string, splits: Split[]): void {
  const body = document.getElementById(id)
  if (!body) return
  body.replaceChildren(
    ...splits.map((split) => {
      const row = document.createElement('tr')
      const cells = [
        split.name,
        formatCount(split.viewers),
        split.share === null ? '–' : formatPercent(split.share),
        formatBytes(split.totals.bytesFromPeers),
        formatBytes(split.totals.bytesFromHttp),
        formatCount(split.totals.stalls),
      ]
      for (const value of cells) {
        const cell = document.createElement('td')
        cell.textContent = value
        row.append(cell)
      }
      return row
    }),
  )
}

function text(id: string, value: string): void {
  const element = document.getElementById(id)
  if (element) element.textContent = value
}
