import type { Links } from './http/links.js'
import type { BlockingReload } from './low-latency/edge.js'
import type { PartSource } from './low-latency/tags.js'
import type { PublishedSegment } from './playlist/published.js'

/** What an origin path names. Everything served comes from this map: nothing is looked up on disk by URL. */
export type Resource =
  /** `render` returns null while the playlist is not ready to be served (a VOD still being hashed). */
  | { kind: 'playlist'; render: (links: Links) => string | null; reload?: BlockingReload }
  | { kind: 'segment'; segment: PublishedSegment }
  | { kind: 'torrent'; segment: PublishedSegment }
  /** Bytes proxied from upstream on request (init segments, keys, byte-range resources). */
  | { kind: 'proxy'; url: string; contentType: string; segments: () => readonly PublishedSegment[] }
  /** An LL-HLS part (or a hinted one): where it lives upstream, once it is listed there (null: not in time). */
  | { kind: 'part'; contentType: string; whenListed: () => Promise<PartSource | null> }

export interface CatalogEvents {
  /** An infohash is published for the first time (the tracker admits its swarm from now on). */
  onInfoHashPublished?: (infoHash: string) => void
  /** The last published copy of an infohash is gone: its swarm can be pruned. */
  onInfoHashGone: (infoHash: string) => void
  onSegmentDropped: (segment: PublishedSegment) => void
  /** Any path was added, replaced or removed. */
  onChanged?: () => void
}

/** The origin's path table, plus the set of infohashes it currently publishes (what the tracker admits). */
export class Catalog {
  private readonly resources = new Map<string, Resource>()
  private readonly infoHashes = new Map<string, number>()
  private readonly timers = new Set<NodeJS.Timeout>()

  constructor(private readonly events: CatalogEvents) {}

  get(path: string): Resource | undefined {
    return this.resources.get(path)
  }

  set(path: string, resource: Resource): void {
    this.resources.set(path, resource)
    this.events.onChanged?.()
  }

  delete(path: string): void {
    this.resources.delete(path)
    this.events.onChanged?.()
  }

  /** Every path and what it names. */
  entries(): IterableIterator<[string, Resource]> {
    return this.resources.entries()
  }

  publishSegment(segment: PublishedSegment): void {
    // A segment that stays upstream is not served here at all.
    if (!segment.webSeed) this.resources.set(segment.path, { kind: 'segment', segment })
    this.resources.set(`${segment.path}.torrent`, { kind: 'torrent', segment })
    const hash = segment.torrent.infoHash
    const copies = this.infoHashes.get(hash) ?? 0
    this.infoHashes.set(hash, copies + 1)
    if (copies === 0) this.events.onInfoHashPublished?.(hash)
    this.events.onChanged?.()
  }

  /** Keeps a segment that left the playlist downloadable for `graceMs`, then forgets it. */
  retireSegment(segment: PublishedSegment, graceMs: number): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer)
      this.dropSegment(segment)
    }, graceMs)
    timer.unref()
    this.timers.add(timer)
  }

  isPublished(infoHash: string): boolean {
    return this.infoHashes.has(infoHash)
  }

  get publishedInfoHashes(): number {
    return this.infoHashes.size
  }

  /** Every infohash published now. */
  publishedInfoHashList(): string[] {
    return [...this.infoHashes.keys()]
  }

  get size(): number {
    return this.resources.size
  }

  close(): void {
    for (const timer of this.timers) clearTimeout(timer)
    this.timers.clear()
  }

  private dropSegment(segment: PublishedSegment): void {
    if (this.resources.get(segment.path)?.kind === 'segment') this.resources.delete(segment.path)
    this.resources.delete(`${segment.path}.torrent`)
    const hash = segment.torrent.infoHash
    const count = (this.infoHashes.get(hash) ?? 1) - 1
    if (count > 0) this.infoHashes.set(hash, count)
    else {
      this.infoHashes.delete(hash)
      this.events.onInfoHashGone(hash)
    }
    this.events.onSegmentDropped(segment)
    this.events.onChanged?.()
  }
}
