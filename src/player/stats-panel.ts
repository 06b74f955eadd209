import { p2pShare, type ViewerStats } from '../protocol/stats.js'
import { formatBytes, formatCount, formatPercent } from './format.js'

/** How one `data-stat` element of the page shows one number of the viewer's stats. */
interface StatView {
  read(stats: ViewerStats): number
  format(value: number): string
}

const count = (read: (stats: ViewerStats) => number): StatView => ({ read, format: formatCount })
const bytes = (read: (stats: ViewerStats) => number): StatView => ({ read, format: formatBytes })

/** `data-stat` name -> what it shows. The names are the page's contract with tests: keep them stable. */
const STAT_VIEWS: Record<string, StatView> = {
  'p2p-share': { read: p2pShare, format: formatPercent },
  peers: count((stats) => stats.peers),
  'bytes-from-peers': bytes((stats) => stats.bytesFromPeers),
  'bytes-from-http': bytes((stats) => stats.bytesFromHttp),
  'bytes-uploaded': bytes((stats) => stats.bytesUploaded),
  'segments-from-peers': count((stats) => stats.segmentsFromPeers),
  'segments-from-http': count((stats) => stats.segmentsFromHttp),
  'segments-rejected': count((stats) => stats.segmentsRejected),
  'pieces-rejected': count((stats) => stats.piecesRejected),
  'peers-dropped': count((stats) => stats.peersDropped),
  fallbacks: count((stats) => stats.fallbacks),
  stalls: count((stats) => stats.stalls),
}

/**
 * Shows a stat: the text for people, and the raw number in `data-value` for tests (no parsing of "1.2 MB").
 * Untouched when unchanged, so screen readers and devtools are not flooded once a second.
 */
export function showStat(element: HTMLElement, text: string, value: number | string): void {
  if (element.textContent !== text) element.textContent = text
  if (element.dataset.value !== String(value)) element.dataset.value = String(value)
}

/** The stat tiles of the page: every `[data-stat]` element under `root` that names a viewer stat. */
export class StatsPanel {
  private readonly views: { element: HTMLElement; view: StatView }[] = []
  private readonly shareBar: HTMLElement | null

  constructor(root: ParentNode) {
    for (const element of root.querySelectorAll<HTMLElement>('[data-stat]')) {
      const view = STAT_VIEWS[element.dataset.stat ?? '']
      if (view) this.views.push({ element, view })
    }
    this.shareBar = root.querySelector<HTMLElement>('[data-share-bar]')
  }

  update(stats: ViewerStats): void {
    for (const { element, view } of this.views) {
      const value = view.read(stats)
      showStat(element, view.format(value), value)
    }
    this.shareBar?.style.setProperty('--share', String(p2pShare(stats)))
    // Before the first byte the bar is neutral rather than "all HTTP".
    this.shareBar?.toggleAttribute('data-empty', stats.bytesFromPeers + stats.bytesFromHttp === 0)
  }
}
