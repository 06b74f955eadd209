import type { MeshShard } from '../protocol/mesh-shards.js'
import { segmentKey, type AnnouncedSegment } from '../protocol/playlist-magnets.js'

/** Segments fetched over HTTP before P2P started, kept to seed once it has (a player's startup loads a few). */
const MAX_SEGMENTS = 8
/** ... and at most this many bytes of them (8 segments of a high rendition would be tens of MB). */
const MAX_BYTES = 16 * 1024 * 1024

export interface Listing {
  segments: AnnouncedSegment[]
  mesh: readonly MeshShard[]
}

export interface EarlySegment {
  key: string
  body: Uint8Array<ArrayBuffer>
}

/**
 * What a page client sees before its P2P stack is there: the last listing of each playlist, and the bytes of
 * listed segments that came over HTTP meanwhile, for the delivery core to start on and seed.
 */
export class BeforeP2P {
  private readonly listings = new Map<string, Listing>()
  private segments: EarlySegment[] = []
  private bytes = 0

  get hasListings(): boolean {
    return this.listings.size > 0
  }

  list(playlistUrl: string, listing: Listing): void {
    this.listings.set(playlistUrl, listing)
  }

  /** Keeps the bytes of `key` if a listing lists it, and returns its infohash; null (nothing kept) if none does. */
  keep(key: string, body: Uint8Array<ArrayBuffer>): string | null {
    const infoHash = this.infoHashOf(key)
    if (infoHash === null) return null
    this.segments.push({ key, body })
    this.bytes += body.length
    while (this.segments.length > MAX_SEGMENTS || this.bytes > MAX_BYTES) this.bytes -= this.segments.shift()!.body.length
    return infoHash
  }

  /** Whether a listing lists this segment. */
  lists(key: string): boolean {
    return this.infoHashOf(key) !== null
  }

  /** The listings, handed over once (they are forgotten here). */
  takeListings(): [string, Listing][] {
    const listings = [...this.listings]
    this.listings.clear()
    return listings
  }

  /** The kept segments, handed over once. */
  takeSegments(): EarlySegment[] {
    this.bytes = 0
    return this.segments.splice(0)
  }

  clear(): void {
    this.takeListings()
    this.takeSegments()
  }

  private infoHashOf(key: string): string | null {
    for (const { segments } of this.listings.values())
      for (const segment of segments) if (segmentKey(segment.url, segment.byteRange) === key) return segment.magnet.infoHash
    return null
  }
}
