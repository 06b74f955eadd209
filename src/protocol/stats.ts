/**
 * The live totals of one viewer, as the page client keeps them and the demo page shows them
 * (`window.liveTorrent.stats`). Bytes count segment payload only.
 */
export interface ViewerStats {
  /** Segment bytes received from other viewers (pieces that passed their hash check). */
  bytesFromPeers: number
  /** Segment bytes fetched from the origin over HTTP (web seed fallback, or P2P switched off). */
  bytesFromHttp: number
  /** Segment bytes sent to other viewers. */
  bytesUploaded: number
  /** Neighbours connected right now. */
  peers: number
  /** Segments held in memory (and seeded) right now; bounded by the client's `keepSegments` per playlist. */
  segmentsHeld: number
  /** Segments handed to the player complete from peers alone. */
  segmentsFromPeers: number
  /** Segments handed to the player that needed HTTP (all or part of their bytes). */
  segmentsFromHttp: number
  /** Segments in which a peer sent a piece that failed its hash check. */
  segmentsRejected: number
  /** Pieces that failed their hash check (each one dropped the peers that sent it). */
  piecesRejected: number
  /** Neighbours dropped for sending bad data. */
  peersDropped: number
  /** Times a segment's P2P deadline passed and HTTP took over. */
  fallbacks: number
  /** The player's `waiting` events after its first frame. */
  stalls: number
  /** Whether this viewer uses P2P at all. */
  p2pEnabled: boolean
  /** The mesh shard this viewer meets others in (its line among the playlist's mesh lines); null before P2P starts. */
  meshShard: number | null
}

export function emptyStats(p2pEnabled = true): ViewerStats {
  return {
    bytesFromPeers: 0,
    bytesFromHttp: 0,
    bytesUploaded: 0,
    peers: 0,
    segmentsHeld: 0,
    segmentsFromPeers: 0,
    segmentsFromHttp: 0,
    segmentsRejected: 0,
    piecesRejected: 0,
    peersDropped: 0,
    fallbacks: 0,
    stalls: 0,
    p2pEnabled,
    meshShard: null,
  }
}

/** Share of segment bytes that came from peers, 0..1 (0 before any byte). */
export function p2pShare(stats: Pick<ViewerStats, 'bytesFromPeers' | 'bytesFromHttp'>): number {
  const total = stats.bytesFromPeers + stats.bytesFromHttp
  return total === 0 ? 0 : stats.bytesFromPeers / total
}

/** The typed stats events of the page client: event name -> detail. */
export interface StatsEventMap {
  /** Bytes arrived from a peer (`bytes`) for the segment `infoHash`. */
  'peer-bytes': { infoHash: string; bytes: number }
  /** Bytes arrived over HTTP for a segment. */
  'http-bytes': { infoHash: string | null; bytes: number }
  /** Bytes sent to a peer. */
  uploaded: { infoHash: string; bytes: number }
  /** The number of connected neighbours changed. */
  peers: { peers: number }
  /** The number of segments held (joined swarms) changed. */
  held: { segments: number }
  /** A segment was handed to the player. */
  segment: { infoHash: string; source: 'peers' | 'http' | 'mixed'; bytes: number; waitedMs: number }
  /** A piece failed its hash check; the peers that sent it were dropped. */
  rejected: { infoHash: string; piece: number; peersDropped: number }
  /** A segment's P2P deadline passed and HTTP took over. */
  fallback: { infoHash: string; afterMs: number }
  /** The player waited for data after its first frame. */
  stall: { at: number }
  /** Any of the totals changed (throttled: at most a few times a second). */
  stats: ViewerStats
}
