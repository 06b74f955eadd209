import { posix } from 'node:path'
import type { Logger } from 'pino'
import type { Rendition } from '../rendition.js'

/**
 * EXT-X-RENDITION-REPORT lines (RFC 8216bis 4.4.5.4) as the origin serves them: each upstream report names another
 * rendition of the same feed, which the origin serves under its own path and numbers; the report gives that
 * path, and the last segment and part the origin's copy of it holds. A report of a playlist the origin does not
 * serve is left out, with one log line.
 */
export class RenditionReports {
  private readonly unknown = new Set<string>()

  constructor(
    private readonly renditions: readonly Rendition[],
    private readonly logger?: Logger,
  ) {}

  lines(of: Rendition): string[] {
    const lines: string[] = []
    for (const report of of.lowLatency.upstreamReports) {
      const other = this.renditions.find((candidate) => samePlaylist(candidate.upstreamUrl, report.url))
      if (!other) {
        this.logUnknown(report.url)
        continue
      }
      const end = other.lowLatency.end()
      if (!end) continue
      const uri = posix.relative(of.dir || '.', other.playlistPath)
      const part = end.part === undefined ? '' : `,LAST-PART=${end.part}`
      lines.push(`#EXT-X-RENDITION-REPORT:URI="${uri}",LAST-MSN=${end.msn}${part}`)
    }
    return lines
  }

  private logUnknown(url: string): void {
    if (this.unknown.has(url) || this.unknown.size > 64) return
    this.unknown.add(url)
    this.logger?.info({ url }, 'rendition report left out: it names a playlist this feed does not serve')
  }
}

/** The same playlist whatever blocking-reload parameters either URL carries. */
function samePlaylist(a: string, b: string): boolean {
  return withoutReloadParams(a) === withoutReloadParams(b)
}

function withoutReloadParams(href: string): string {
  const url = new URL(href)
  for (const key of [...url.searchParams.keys()]) if (key.startsWith('_HLS_')) url.searchParams.delete(key)
  url.hash = ''
  return url.href
}
