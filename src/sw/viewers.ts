import type { AnnouncedSegment } from '../protocol/playlist-magnets.js'
import { segmentKey } from '../protocol/playlist-magnets.js'

/** Segments remembered per tab; a live playlist's window is far smaller. */
const MAX_SEGMENTS_PER_VIEWER = 2000

/** What the worker knows of one tab (a window client) that runs the page client. */
export interface Viewer {
  p2p: boolean
  /** Segment keys its playlists listed, oldest first. */
  segments: Set<string>
}

/**
 * The tabs that said hello, each its own viewer. Tabs without the page script are never touched: the worker
 * only intercepts segment requests of a tab whose page client can answer them.
 */
export class Viewers {
  private readonly byClient = new Map<string, Viewer>()

  hello(clientId: string, p2p: boolean): void {
    const viewer = this.byClient.get(clientId)
    if (viewer) viewer.p2p = p2p
    else this.byClient.set(clientId, { p2p, segments: new Set() })
  }

  get(clientId: string): Viewer | undefined {
    return this.byClient.get(clientId)
  }

  remember(clientId: string, segments: AnnouncedSegment[]): void {
    const viewer = this.byClient.get(clientId)
    if (!viewer) return
    for (const segment of segments) viewer.segments.add(segmentKey(segment.url, segment.byteRange))
    for (const key of viewer.segments) {
      if (viewer.segments.size <= MAX_SEGMENTS_PER_VIEWER) break
      viewer.segments.delete(key)
    }
  }

  forget(clientId: string): void {
    this.byClient.delete(clientId)
  }

  /** Drops tabs that are gone (closed or reloaded: a reload is a new client). */
  prune(liveClientIds: Set<string>): void {
    for (const id of this.byClient.keys()) if (!liveClientIds.has(id)) this.byClient.delete(id)
  }
}
