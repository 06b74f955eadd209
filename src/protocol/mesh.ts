/**
 * The neighbour mesh: every viewer of an origin announces this one infohash on the origin's tracker to find the
 * other viewers, and keeps one WebRTC connection per neighbour for the whole stream. Each segment's BitTorrent
 * wire then runs on a data channel of that connection (label = MESH_CHANNEL_PREFIX + the segment's infohash),
 * so joining a segment's swarm costs no new connection. Where viewers meet is in the playlist (mesh-shards.ts,
 * a swarm per feed and shard); this fixed value, SHA-1("live-torrent mesh v1"), is used only for playlists that
 * carry magnets but no mesh line.
 */
export const MESH_INFOHASH = '6d8f9e4c7420f0337bed582a050d10f8dec7acbf'

/** Label prefix of a per-segment data channel on a mesh connection. */
export const MESH_CHANNEL_PREFIX = 'lt1:'

export function segmentChannelLabel(infoHash: string): string {
  return MESH_CHANNEL_PREFIX + infoHash
}

/** The infohash a data channel label carries, or null if the channel is not a segment wire of ours. */
export function infoHashOfChannel(label: string): string | null {
  if (!label.startsWith(MESH_CHANNEL_PREFIX)) return null
  const infoHash = label.slice(MESH_CHANNEL_PREFIX.length)
  return /^[0-9a-f]{40}$/.test(infoHash) ? infoHash : null
}
