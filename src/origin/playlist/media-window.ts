import { formatMagnetLine } from '../../protocol/magnet-line.js'
import type { PublishedSegment } from './published.js'

export interface MediaWindowOptions {
  /** Segments kept in the live playlist; null keeps every segment (VOD). */
  maxSegments: number | null
  /** Called when a segment leaves the playlist, with how long it must stay downloadable (RFC 8216 6.2.2). */
  onRetire: (segment: PublishedSegment, graceMs: number) => void
}

/** Tags the window writes itself; upstream copies of them are dropped from the header. */
const OWN_HEADER_TAGS = new Set(['EXTM3U', 'EXT-X-MEDIA-SEQUENCE', 'EXT-X-DISCONTINUITY-SEQUENCE', 'EXT-X-ENDLIST'])

/**
 * The media playlist of one rendition as the origin serves it: a sliding window over published segments with a
 * monotonic EXT-X-MEDIA-SEQUENCE and a discontinuity sequence that counts the discontinuities that slid out.
 */
export class MediaWindow {
  private readonly entries: PublishedSegment[] = []
  private header: string[] = []
  private discontinuitySequence = 0
  private ended = false
  /** Duration of the longest playlist served so far, for the RFC 8216 removal grace. */
  private longestPlaylistSeconds = 0
  /** Kept as a running sum: publishing a 10,000-segment VOD must not be quadratic. */
  private durationSeconds = 0
  /** Bumped on every change; renderers cache on it. */
  version = 0

  constructor(private readonly options: MediaWindowOptions) {}

  /** Live windows slide; a VOD keeps every segment. Known only once the upstream has been read. */
  setMaxSegments(max: number | null): void {
    this.options.maxSegments = max
    this.slide()
  }

  setHeader(rawTags: string[], dropTags: string[] = []): void {
    const drop = new Set([...OWN_HEADER_TAGS, ...dropTags])
    this.header = rawTags.filter((raw) => !drop.has(tagName(raw)))
    this.version++
  }

  setDiscontinuityBase(value: number): void {
    this.discontinuitySequence = value
  }

  publish(segment: PublishedSegment): void {
    const last = this.entries.at(-1)
    if (last && segment.sequence <= last.sequence) {
      throw new Error(`media sequence must grow: ${segment.sequence} after ${last.sequence}`)
    }
    this.entries.push(segment)
    this.durationSeconds += segment.duration
    this.slide()
    this.version++
  }

  end(): void {
    if (this.ended) return
    this.ended = true
    this.version++
  }

  get isEnded(): boolean {
    return this.ended
  }

  get segments(): readonly PublishedSegment[] {
    return this.entries
  }

  get totalDuration(): number {
    return this.durationSeconds
  }

  private slide(): void {
    const max = this.options.maxSegments
    const gone: PublishedSegment[] = []
    while (max !== null && this.entries.length > max) {
      const segment = this.entries.shift()!
      this.durationSeconds -= segment.duration
      gone.push(segment)
    }
    this.longestPlaylistSeconds = Math.max(this.longestPlaylistSeconds, this.totalDuration)
    for (const segment of gone) {
      if (segment.discontinuity) this.discontinuitySequence++
      // RFC 8216 6.2.2: a removed segment stays available for its duration plus that of the longest playlist
      // the server distributed that contained it (bounded here by the longest playlist served at all).
      this.options.onRetire(segment, (segment.duration + this.longestPlaylistSeconds) * 1000)
    }
  }

  /**
   * Renders the playlist; `magnetFor` gives each segment's magnet URI for the requesting host, `meshLines` (where
   * viewers meet) follow the header. With `lowLatency`, the segments that end within `partHorizonSeconds` of the
   * live edge keep their EXT-X-PART lines (RFC 8216bis lets older parts go), and `trailer` (the edge's parts,
   * hint, rendition reports) follows the last segment.
   */
  render(
    magnetFor: (segment: PublishedSegment) => string,
    options: { meshLines?: string[]; lowLatency?: { partHorizonSeconds: number; trailer: string[] } } = {},
  ): string {
    const { lowLatency } = options
    const first = this.entries[0]
    const out = ['#EXTM3U', ...this.header, `#EXT-X-MEDIA-SEQUENCE:${first?.sequence ?? 0}`]
    if (this.discontinuitySequence > 0) out.push(`#EXT-X-DISCONTINUITY-SEQUENCE:${this.discontinuitySequence}`)
    out.push(...(options.meshLines ?? []))
    const partsFrom = lowLatency ? this.firstWithParts(lowLatency.partHorizonSeconds) : Infinity
    this.entries.forEach((entry, index) => renderSegment(out, entry, index === 0, magnetFor(entry), index >= partsFrom))
    if (lowLatency) out.push(...lowLatency.trailer)
    if (this.ended) out.push('#EXT-X-ENDLIST')
    return out.join('\n') + '\n'
  }

  /** Index of the first segment that ends within `horizonSeconds` of the end of the window. */
  private firstWithParts(horizonSeconds: number): number {
    let after = 0
    let index = this.entries.length
    while (index > 0 && after < horizonSeconds) after += this.entries[--index]!.duration
    return index
  }
}

function renderSegment(out: string[], entry: PublishedSegment, heads: boolean, magnet: string, withParts: boolean): void {
  if (heads) {
    const own = new Set(entry.tags.map(tagName))
    if (entry.mapLine && !own.has('EXT-X-MAP')) out.push(entry.mapLine)
    if (entry.keyLine && !own.has('EXT-X-KEY')) out.push(entry.keyLine)
  }
  if (entry.discontinuity) out.push('#EXT-X-DISCONTINUITY')
  out.push(...(withParts ? entry.tags : entry.tags.filter((tag) => !tag.startsWith('#EXT-X-PART:'))), formatMagnetLine(magnet), entry.uri)
}

export function tagName(raw: string): string {
  const colon = raw.indexOf(':')
  return raw.slice(1, colon < 0 ? undefined : colon)
}
