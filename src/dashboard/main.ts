import type { AudienceSummary } from '../protocol/audience-summary.js'
import { ShareChart } from './share-chart.js'
import { showSummary } from './view.js'

/**
 * The operator's dashboard at /dashboard: the audience as its viewers report it (GET /api/audience), redrawn
 * every few seconds.
 */
const REFRESH_MS = 3000

const chart = new ShareChart(document.getElementById('share-chart') as HTMLCanvasElement)
const status = document.getElementById('status')

async function refresh(): Promise<void> {
  try {
    const response = await fetch('/api/audience', { cache: 'no-store' })
    if (!response.ok) throw new Error(`${response.status} ${(await response.text()).trim()}`)
    const summary = (await response.json()) as AudienceSummary
    showSummary(summary)
    chart.show(summary.history, Date.now())
    if (status) status.textContent = `updated ${new Date().toLocaleTimeString()}`
  } catch (err) {
    if (status) status.textContent = `cannot read the audience: ${err instanceof Error ? err.message : String(err)}`
  } finally {
    setTimeout(() => void refresh(), REFRESH_MS)
  }
}

void refresh()
