import type { Logger } from 'pino'
import type { Catalog } from '../catalog.js'
import { attribute } from '../playlist/lines.js'
import type { MediaWindow } from '../playlist/media-window.js'
import type { MediaPlaylist } from '../playlist/parse.js'
import { PartNames } from './part-names.js'
import {
  formatAttributes,
  readPart,
  readPreloadHint,
  resolveLinked,
  rewriteServerControl,
  type LowLatencyMode,
  type PartTag,
  type PreloadHint,
} from './tags.js'

export interface EdgeOptions {
  mode: LowLatencyMode
  /** '' or ending in '/'. */
  dir: string
  catalog: Catalog
  window: MediaWindow
  logger?: Logger
  now?: () => number
}

/** Where a playlist ends: its last segment's number, and the last part of it (undefined: none listed). */
export interface PlaylistEnd {
  msn: number
  part: number | undefined
}

/** What the HTTP side needs to hold a playlist request until a part exists (RFC 8216bis 6.2.5.2). */
export interface BlockingReload {
  /** False: `_HLS_msn` and `_HLS_part` are ignored (the playlist is served at once). */
  readonly blocking: boolean
  readonly targetDuration: number
  readonly partTarget: number
  /** How long a request is held before it is answered 503. */
  readonly holdMs: number
  /** Requests being held now. */
  readonly waiting: number
  end(): PlaylistEnd | null
  waitFor(msn: number, part: number | undefined, timeoutMs: number, signal?: AbortSignal): Promise<boolean>
}

/** An EXT-X-RENDITION-REPORT of the upstream: which playlist it names (absolute URL). */
export interface UpstreamReport {
  url: string
}

const PART_LINE = '#EXT-X-PART:'

/** PART-TARGET (s), kept within what makes sense: above 0.05 s (reload pacing) and at most the target duration. */
function partTargetOf(partInf: string, targetDuration: number): number {
  const value = Number(attribute(partInf, 'PART-TARGET'))
  return Number.isFinite(value) && value > 0 ? Math.min(Math.max(value, 0.05), targetDuration) : Math.min(1, targetDuration)
}

/** The segment and trailer LL-HLS tags a playlist has: what a playlist served without parts leaves out. */
function lowLatencyTagsIn(doc: MediaPlaylist): string[] {
  const names = new Set<string>()
  for (const tag of [...doc.segments.flatMap((segment) => segment.tags), ...doc.trailer])
    if (tag.name === 'EXT-X-PART' || tag.name === 'EXT-X-PRELOAD-HINT' || tag.name === 'EXT-X-RENDITION-REPORT') names.add(tag.name)
  return [...names]
}

/**
 * The low-latency side of one live rendition (RFC 8216bis): the parts of its published segments, the parts and
 * preload hint of the segment being written at the live edge, and the requests that wait for a part to exist
 * (blocking playlist reload). The edge segment is the first upstream segment the origin has not yet published,
 * or, once all are, the upstream's own parts after its last segment; its number is the origin's next one.
 */
export class LowLatencyEdge implements BlockingReload {
  readonly parts: PartNames
  private active = false
  private partsBySequence = new Map<number, PartTag[]>()
  private segmentSequences: number[] = []
  /** Upstream segments (and the one being written, as `Infinity`) that begin with a discontinuity. */
  private discontinuities = new Set<number>()
  private trailerParts: PartTag[] = []
  private hint: PreloadHint | null = null
  private reports: UpstreamReport[] = []
  private passedUpstream = -Infinity
  private readonly waiters = new Set<() => void>()
  private partTargetSeconds = 1
  private targetDurationSeconds = 2
  private live = false
  private loggedRemovals = ''
  /** Bumped on every change of what the edge renders. */
  version = 0

  constructor(private readonly options: EdgeOptions) {
    this.parts = new PartNames({
      dir: options.dir,
      catalog: options.catalog,
      forgetAfterMs: 120_000,
      holdMs: () => this.holdMs,
      now: options.now,
    })
  }

  /** Blocking reload is done for any live playlist in `on` mode (and advertised only where the origin does it). */
  get blocking(): boolean {
    return this.options.mode === 'on' && this.live && !this.options.window.isEnded
  }

  get targetDuration(): number {
    return this.targetDurationSeconds
  }

  /** How long a request waits for a part or segment before it is answered 503 (RFC 8216bis: 3 target durations). */
  get holdMs(): number {
    return 3 * this.targetDurationSeconds * 1000
  }

  /** Parts are served only in `on` mode, for a live playlist that has them. */
  get servesParts(): boolean {
    return this.active
  }

  get partTarget(): number {
    return this.partTargetSeconds
  }

  /** The header the origin serves: LL tags it does not do (delta updates; everything in `off` mode) removed, logged once. */
  header(doc: MediaPlaylist, live: boolean): string[] {
    const partInf = doc.header.find((tag) => tag.name === 'EXT-X-PART-INF')
    this.live = live
    this.targetDurationSeconds = doc.targetDuration
    this.active = this.options.mode === 'on' && live && partInf !== undefined
    this.partTargetSeconds = partTargetOf(partInf?.value ?? '', doc.targetDuration)
    const removed: string[] = []
    const tags: string[] = []
    for (const tag of doc.header) {
      if (tag.name === 'EXT-X-PART-INF' && !this.active) removed.push(tag.name)
      else if (tag.name === 'EXT-X-SERVER-CONTROL') {
        const rewritten = rewriteServerControl(tag.value ?? '', live ? this.options.mode : 'off', this.active)
        removed.push(...rewritten.removed.map((key) => `SERVER-CONTROL ${key}`))
        if (rewritten.value !== null) tags.push(`#EXT-X-SERVER-CONTROL:${rewritten.value}`)
      } else tags.push(tag.raw)
    }
    if (this.active && !tags.some((raw) => raw.startsWith('#EXT-X-SERVER-CONTROL:')))
      tags.push('#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES')
    if (!this.active) removed.push(...lowLatencyTagsIn(doc))
    this.logRemovals(removed, doc.url)
    return tags
  }

  /** Reads the parts, hint and reports of a freshly loaded upstream playlist. */
  observe(doc: MediaPlaylist): void {
    if (!this.active) return
    const nextOffset = new Map<string, number>()
    const read = (value: string | null): PartTag | null => readPart(value ?? '', doc.url, nextOffset)
    this.partsBySequence = new Map()
    for (const segment of doc.segments) {
      const parts = segment.tags.filter((tag) => tag.name === 'EXT-X-PART').map((tag) => read(tag.value))
      this.partsBySequence.set(
        segment.sequence,
        parts.filter((part): part is PartTag => part !== null),
      )
    }
    this.segmentSequences = doc.segments.map((segment) => segment.sequence)
    const trailer = doc.trailer
    this.discontinuities = new Set(doc.segments.filter((segment) => segment.discontinuity).map((segment) => segment.sequence))
    if (trailer.some((tag) => tag.name === 'EXT-X-DISCONTINUITY')) this.discontinuities.add(Infinity)
    this.trailerParts = trailer
      .flatMap((tag) => (tag.name === 'EXT-X-PART' ? [read(tag.value)] : []))
      .filter((p): p is PartTag => p !== null)
    const hintTag = trailer.find((tag) => tag.name === 'EXT-X-PRELOAD-HINT')
    this.hint = hintTag ? readPreloadHint(hintTag.value ?? '', doc.url) : null
    this.reports = trailer.flatMap((tag) => {
      const uri = tag.name === 'EXT-X-RENDITION-REPORT' ? attribute(tag.value ?? '', 'URI') : undefined
      const url = resolveLinked(uri, doc.url)
      return url ? [{ url }] : []
    })
    for (const part of [...this.partsBySequence.values()].flat().concat(this.trailerParts)) this.parts.listed(part.source)
    this.parts.sweep()
    this.changed()
  }

  /** The ingest published (or skipped) upstream segment `sequence`: the edge moves past it. */
  passed(sequence: number): void {
    this.passedUpstream = sequence
    this.changed()
  }

  /** The EXT-X-PART lines of a published upstream segment, under the origin's names ([] unless parts are served). */
  partLines(upstreamSequence: number): string[] {
    if (!this.active) return []
    return (this.partsBySequence.get(upstreamSequence) ?? []).map((part) => this.partLine(part))
  }

  /** What follows the last full segment: the edge segment's parts and the preload hint. */
  trailerLines(): string[] {
    if (!this.active || this.options.window.isEnded) return []
    const { parts, atUpstreamEdge, discontinuity } = this.edge()
    const lines = parts.map((part) => this.partLine(part))
    // A discontinuity belongs before the edge segment's first part, as it will before the segment once published.
    if (discontinuity && lines.length > 0) lines.unshift('#EXT-X-DISCONTINUITY')
    if (atUpstreamEdge && this.hint?.type === 'PART') lines.push(this.hintLine(this.hint))
    return lines
  }

  get upstreamReports(): readonly UpstreamReport[] {
    return this.active ? this.reports : []
  }

  /** The last segment and part the served playlist holds. */
  end(): PlaylistEnd | null {
    const last = this.options.window.segments.at(-1)
    if (!last) return null
    const edgeParts = this.active && !this.options.window.isEnded ? this.edge().parts.length : 0
    if (edgeParts > 0) return { msn: last.sequence + 1, part: edgeParts - 1 }
    const ownParts = last.tags.filter((tag) => tag.startsWith(PART_LINE)).length
    return { msn: last.sequence, part: ownParts > 0 ? ownParts - 1 : undefined }
  }

  /** Whether the served playlist holds segment `msn` (or a later one), or part `part` of it. */
  holds(msn: number, part: number | undefined): boolean {
    if (this.options.window.isEnded) return true
    const end = this.end()
    if (!end) return false
    if (msn < end.msn) return true
    if (msn > end.msn) return false
    const lastSegment = this.options.window.segments.at(-1)!.sequence
    if (part === undefined) return msn <= lastSegment
    return msn <= lastSegment || (end.part !== undefined && part <= end.part)
  }

  /** Resolves true once `holds(msn, part)`, false after `timeoutMs` or when `signal` aborts. */
  waitFor(msn: number, part: number | undefined, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    if (this.holds(msn, part)) return Promise.resolve(true)
    return new Promise((resolve) => {
      const finish = (value: boolean): void => {
        clearTimeout(timer)
        this.waiters.delete(check)
        signal?.removeEventListener('abort', abort)
        resolve(value)
      }
      const check = (): void => {
        if (this.holds(msn, part)) finish(true)
      }
      const abort = (): void => finish(false)
      const timer = setTimeout(() => finish(false), timeoutMs)
      this.waiters.add(check)
      signal?.addEventListener('abort', abort)
    })
  }

  get waiting(): number {
    return this.waiters.size
  }

  /** The window published a segment or ended. */
  changed(): void {
    this.version++
    for (const check of [...this.waiters]) check()
  }

  private edge(): { parts: PartTag[]; atUpstreamEdge: boolean; discontinuity: boolean } {
    const pending = this.segmentSequences.find((sequence) => sequence > this.passedUpstream)
    if (pending === undefined) return { parts: this.trailerParts, atUpstreamEdge: true, discontinuity: this.discontinuities.has(Infinity) }
    return { parts: this.partsBySequence.get(pending) ?? [], atUpstreamEdge: false, discontinuity: this.discontinuities.has(pending) }
  }

  private partLine(part: PartTag): string {
    const name = this.parts.listed(part.source)
    return `${PART_LINE}${formatAttributes([...part.rest, ['URI', `"${name}"`]])}`
  }

  private hintLine(hint: PreloadHint): string {
    const name = this.parts.hinted(hint.source)
    return `#EXT-X-PRELOAD-HINT:${formatAttributes([['TYPE', hint.type], ['URI', `"${name}"`], ...hint.rest])}`
  }

  private logRemovals(removed: string[], url: string): void {
    const key = removed.join(',')
    if (key === this.loggedRemovals) return
    this.loggedRemovals = key
    if (removed.length === 0) return
    const why =
      this.options.mode === 'off' ? 'low-latency is off' : 'the origin does not do them (delta updates) or the playlist is not live'
    this.options.logger?.info({ url, removed }, `removed LL-HLS tags: ${why}`)
  }
}
