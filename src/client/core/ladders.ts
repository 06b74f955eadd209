/** A variant stream of a master playlist, as a player's ABR sees it: its media playlist and BANDWIDTH (bit/s). */
export interface Variant {
  url: string
  bandwidth: number
}

/** Media playlists remembered at most (a page plays one or two streams; a hostile master cannot grow this). */
const MAX_PLAYLISTS = 512

/**
 * The rendition ladders the player chooses from, by media playlist: the top BANDWIDTH of the ladder a segment's
 * playlist belongs to is what the ABR guard (abr-guard.ts) keeps the player's throughput estimate above.
 */
export class Ladders {
  /**
   * Oldest first, bounded by MAX_PLAYLISTS. A Map by hand rather than lru-cache: lru-cache added 19 kB to the page
   * script, which every viewer parses before its player starts (startup is measured against plain hls.js).
   */
  private readonly topByPlaylist = new Map<string, number>()

  /** A master playlist's variants. A ladder of one rendition leaves the player nothing to choose: it is ignored. */
  add(variants: readonly Variant[]): void {
    const bandwidths = new Set(variants.map((variant) => variant.bandwidth).filter((bandwidth) => bandwidth > 0))
    if (bandwidths.size < 2) return
    const top = Math.max(...bandwidths)
    for (const { url } of variants) {
      this.topByPlaylist.delete(url)
      this.topByPlaylist.set(url, top)
    }
    for (const url of this.topByPlaylist.keys()) {
      if (this.topByPlaylist.size <= MAX_PLAYLISTS) break
      this.topByPlaylist.delete(url)
    }
  }

  /** The top BANDWIDTH of the ladder this media playlist is a rendition of (bit/s); null when there is no choice. */
  topBandwidth(playlistUrl: string): number | null {
    return this.topByPlaylist.get(playlistUrl) ?? null
  }
}
