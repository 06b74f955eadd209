import { segmentKey, type AnnouncedSegment } from '../../protocol/playlist-magnets.js'

/** A playlist listed before its player asked for any of its segments. */
interface FirstListing {
  segments: readonly AnnouncedSegment[]
  at: number
}

/**
 * Where the player starts in each playlist, so that the core joins no swarm behind it. A playlist's listings wait
 * here until the player asks for one of its segments; from that request on, that segment and the ones after it are
 * the core's, and the ones before it are passed over for good. Why: a live playlist lists a window of a dozen or
 * so segments, of which a player starting at the live edge plays the last three or four. Joining every swarm of
 * the first listing downloaded the whole window from peers at the moment the page is starting its player, which
 * froze the main thread of a new viewer for seconds under load (measured: 2.2 s with 5 viewers on 2 cores, which
 * held the worker's requests past hls.js's emergency abort). A VOD player starts at the first segment and so
 * still joins them all. A playlist the player never asks from is forgotten after `forgetAfterMs`.
 */
export class StartPoints {
  private readonly waiting = new Map<string, FirstListing>()
  private readonly passedOver = new Map<string, Set<string>>()

  constructor(private readonly forgetAfterMs: number) {}

  /** Whether the player started in this playlist (its segments are the core's). */
  started(playlistUrl: string): boolean {
    return this.passedOver.has(playlistUrl)
  }

  /** A listing of a playlist the player has not started in: kept until it does. */
  wait(playlistUrl: string, segments: readonly AnnouncedSegment[], now: number): void {
    this.waiting.set(playlistUrl, { segments, at: now })
    for (const [url, listing] of this.waiting) if (now - listing.at > this.forgetAfterMs) this.waiting.delete(url)
  }

  /** A listing of a playlist the player started in, without the segments behind its start. */
  ahead(playlistUrl: string, segments: readonly AnnouncedSegment[]): AnnouncedSegment[] {
    const passed = this.passedOver.get(playlistUrl)
    if (!passed?.size) return [...segments]
    const listed = new Set(segments.map((segment) => segment.magnet.infoHash))
    // A segment gone from the listing never comes back: the set only needs what is still listed.
    for (const infoHash of passed) if (!listed.has(infoHash)) passed.delete(infoHash)
    return segments.filter((segment) => !passed.has(segment.magnet.infoHash))
  }

  /** The playlist of a waiting listing that lists `key`, or null. */
  playlistOf(key: string): string | null {
    return this.find(key)?.playlistUrl ?? null
  }

  /** Whether `key` is a segment of a listing still waiting for the player's first request. */
  knows(key: string): boolean {
    return this.find(key) !== null
  }

  /**
   * The player asks for `key`: if it is in a waiting listing, the player starts there. Returns that playlist and
   * its segments from `key` on (for the core to take as its first listing), or null.
   */
  start(key: string): { playlistUrl: string; segments: AnnouncedSegment[] } | null {
    const found = this.find(key)
    if (!found) return null
    const { playlistUrl, segments, index } = found
    this.waiting.delete(playlistUrl)
    this.passedOver.set(playlistUrl, new Set(segments.slice(0, index).map((segment) => segment.magnet.infoHash)))
    return { playlistUrl, segments: segments.slice(index) }
  }

  private find(key: string): { playlistUrl: string; segments: readonly AnnouncedSegment[]; index: number } | null {
    for (const [playlistUrl, { segments }] of this.waiting) {
      const index = segments.findIndex((segment) => segmentKey(segment.url, segment.byteRange) === key)
      if (index >= 0) return { playlistUrl, segments, index }
    }
    return null
  }
}
