import { buildMagnetUri } from '../../protocol/magnet.js'
import { formatMeshLine } from '../../protocol/mesh-shards.js'
import { meshShards, type MeshPlan } from '../mesh-plan.js'
import type { PublishedSegment } from '../playlist/published.js'
import { torrentFile } from '../torrent/segment-torrent.js'

/**
 * Absolute URLs as one client should see them: built from the request's host (or the configured public URL), so
 * magnets keep working behind a proxy or CDN. Playlists themselves use relative URIs.
 */
export class Links {
  /** Tracker URLs listed in every magnet and .torrent. */
  readonly trackers: string[]

  constructor(
    /** Origin base URL, ending in '/'. */
    readonly base: string,
    builtinTracker: boolean,
    extraTrackers: readonly string[],
    private readonly mesh: MeshPlan = { feedId: '', shards: [] },
  ) {
    const own = new URL('announce', base)
    own.protocol = own.protocol === 'https:' ? 'wss:' : 'ws:'
    this.trackers = [...(builtinTracker ? [own.href] : []), ...extraTrackers]
  }

  url(path: string): string {
    return new URL(path, this.base).href
  }

  magnetFor(segment: PublishedSegment): string {
    return buildMagnetUri({
      infoHash: segment.torrent.infoHash,
      name: segment.torrent.name,
      trackers: this.trackers,
      webSeed: this.webSeedOf(segment),
      torrentUrl: this.url(`${segment.path}.torrent`),
    })
  }

  torrentFor(segment: PublishedSegment): Uint8Array {
    return torrentFile(segment.torrent, this.trackers, this.webSeedOf(segment))
  }

  /** Where the segment's bytes are fetched over HTTP: upstream when they stay there, else the origin. */
  private webSeedOf(segment: PublishedSegment): string {
    return segment.webSeed ?? this.url(segment.path)
  }

  /** The playlist lines that say where viewers meet, one per mesh shard. */
  meshLines(): string[] {
    return meshShards(this.mesh, this.trackers).map(formatMeshLine)
  }

  /** Distinguishes renderings for different hosts in caches. */
  get key(): string {
    return `${this.base} ${this.trackers.join(' ')}`
  }
}
