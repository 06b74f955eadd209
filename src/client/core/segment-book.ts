import { segmentKey, type AnnouncedSegment } from '../../protocol/playlist-magnets.js'

/** A segment this viewer knows of. `T` is what the core keeps with it (its fetch). */
export interface BookEntry<T> {
  readonly infoHash: string
  segment: AnnouncedSegment
  playlistUrl: string
  /** Keys (URL + range) the player may ask for it by; empty while only a neighbour told of it (not deliverable). */
  readonly keys: Set<string>
  /** When a playlist of this viewer last listed it (clock ms); null while it was only told of by a neighbour. */
  listedAt: number | null
  readonly learnedAt: number
  /** Requests of the player being served from it: it is not evicted meanwhile. */
  busy: number
  value: T
}

export interface BookLimits {
  keepSegments: number
  unlistedGraceMs: number
}

/**
 * The segments a viewer knows of, by infohash (the swarm) and by key (what the player asks for), and which of
 * them to drop. Only a playlist of this viewer's own makes a segment deliverable under a key: a neighbour's notice
 * of a segment only lets it be fetched early, so a neighbour can never make the player get other bytes for a URL
 * than the ones the viewer's own playlist named by infohash.
 */
export class SegmentBook<T> {
  /** Least recently announced first. */
  private readonly byInfoHash = new Map<string, BookEntry<T>>()
  private readonly byKey = new Map<string, BookEntry<T>>()
  /** Per playlist: the URL origins its segments use, which a neighbour's notice for it must use too. */
  private readonly playlistOrigins = new Map<string, { origins: Set<string>; listedAt: number }>()

  constructor(private readonly limits: BookLimits) {}

  get size(): number {
    return this.byInfoHash.size
  }

  get(key: string): BookEntry<T> | undefined {
    return this.byKey.get(key)
  }

  has(key: string): boolean {
    return this.byKey.has(key)
  }

  /** Whether a playlist of this viewer has listed segments before. */
  lists(playlistUrl: string): boolean {
    return this.playlistOrigins.has(playlistUrl)
  }

  byHash(infoHash: string): BookEntry<T> | undefined {
    return this.byInfoHash.get(infoHash)
  }

  entries(): IterableIterator<BookEntry<T>> {
    return this.byInfoHash.values()
  }

  /**
   * A playlist of this viewer lists these segments. Returns the ones new to the book, for which `create` was
   * called; segments known already (listed before, or told of by a neighbour) get this key and listing time.
   */
  list(playlistUrl: string, segments: readonly AnnouncedSegment[], now: number, create: (segment: AnnouncedSegment) => T): BookEntry<T>[] {
    const added: BookEntry<T>[] = []
    const origins = this.playlistOrigins.get(playlistUrl)?.origins ?? new Set<string>()
    for (const segment of segments) {
      for (const url of [segment.url, segment.magnet.webSeed, segment.magnet.torrentUrl]) origins.add(originOf(url))
      const key = segmentKey(segment.url, segment.byteRange)
      let entry = this.byInfoHash.get(segment.magnet.infoHash)
      if (entry) {
        this.byInfoHash.delete(entry.infoHash)
        entry.segment = segment
      } else {
        entry = this.newEntry(segment, playlistUrl, now, create)
        added.push(entry)
      }
      entry.playlistUrl = playlistUrl
      entry.listedAt = now
      entry.keys.add(key)
      this.byInfoHash.set(entry.infoHash, entry)
      this.byKey.set(key, entry)
    }
    this.playlistOrigins.set(playlistUrl, { origins, listedAt: now })
    return added
  }

  /**
   * A neighbour tells of a segment. Taken (and `create` called) only when it is new, belongs to a playlist this
   * viewer plays, and every URL in it is on an origin that playlist's own segments use.
   */
  told(playlistUrl: string, segment: AnnouncedSegment, now: number, create: (segment: AnnouncedSegment) => T): BookEntry<T> | null {
    if (this.byInfoHash.has(segment.magnet.infoHash)) return null
    const playlist = this.playlistOrigins.get(playlistUrl)
    if (!playlist || now - playlist.listedAt > this.limits.unlistedGraceMs) return null
    const urls = [segment.url, segment.magnet.webSeed, segment.magnet.torrentUrl]
    if (!urls.every((url) => playlist.origins.has(originOf(url)))) return null
    const entry = this.newEntry(segment, playlistUrl, now, create)
    entry.listedAt = null
    this.byInfoHash.set(entry.infoHash, entry)
    return entry
  }

  /**
   * The entries to drop now: of the playlist just listed, the oldest beyond keepSegments; of every playlist, those
   * not listed (or, told of only, never listed) for longer than the grace time. Busy ones stay.
   */
  evictable(playlistUrl: string, now: number): BookEntry<T>[] {
    const cutoff = now - this.limits.unlistedGraceMs
    const ofPlaylist = [...this.byInfoHash.values()].filter((entry) => entry.playlistUrl === playlistUrl && entry.listedAt !== null)
    const excess = new Set(ofPlaylist.slice(0, Math.max(0, ofPlaylist.length - this.limits.keepSegments)))
    return [...this.byInfoHash.values()].filter(
      (entry) => entry.busy === 0 && (excess.has(entry) || (entry.listedAt ?? entry.learnedAt) < cutoff),
    )
  }

  remove(entry: BookEntry<T>): boolean {
    if (this.byInfoHash.get(entry.infoHash) !== entry) return false
    this.byInfoHash.delete(entry.infoHash)
    for (const key of entry.keys) if (this.byKey.get(key) === entry) this.byKey.delete(key)
    return true
  }

  private newEntry(segment: AnnouncedSegment, playlistUrl: string, now: number, create: (segment: AnnouncedSegment) => T): BookEntry<T> {
    return {
      infoHash: segment.magnet.infoHash,
      segment,
      playlistUrl,
      keys: new Set(),
      listedAt: now,
      learnedAt: now,
      busy: 0,
      value: create(segment),
    }
  }
}

function originOf(url: string): string {
  try {
    return new URL(url).origin
  } catch {
    return ''
  }
}
