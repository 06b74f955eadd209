import { MESH_INFOHASH } from './mesh.js'

/**
 * The playlist lines that say where a feed's viewers meet. One line per mesh shard, in every media playlist:
 *
 *     #EXT-X-LIVE-TORRENT-MESH:SWARM=<40 hex>,TRACKERS="ws://a/announce wss://b/announce"
 *
 * A viewer picks one line by its own peer id (pickShard) and announces SWARM on that line's trackers only, so an
 * audience split over N shards spreads over N trackers that share no state. SWARM is the feed's own (the origin
 * derives it from the feed and the shard), so feeds that share a public tracker never mix their viewers.
 * Unknown to players, like the magnet tag (RFC 8216 4.1: unknown tags are ignored).
 */
export const MESH_TAG = 'EXT-X-LIVE-TORRENT-MESH'

const PREFIX = `#${MESH_TAG}:`
/** A viewer meets others through at most this many trackers of its shard (one TrackerLink each). */
export const MAX_SHARD_TRACKERS = 4
/** More lines than this are ignored: a playlist could list millions. */
const MAX_SHARDS = 1024

export interface MeshShard {
  /** The infohash the shard's viewers announce to find each other. */
  swarm: string
  /** The shard's WebSocket trackers. */
  trackers: string[]
}

export function formatMeshLine(shard: MeshShard): string {
  if (!/^[0-9a-f]{40}$/.test(shard.swarm)) throw new Error(`a mesh swarm is 40 lowercase hex digits, got ${shard.swarm}`)
  for (const url of shard.trackers) {
    if (!isMeshTrackerUrl(url)) throw new Error(`a mesh tracker must be a ws:// or wss:// URL without spaces or quotes: ${url}`)
  }
  return `${PREFIX}SWARM=${shard.swarm},TRACKERS="${shard.trackers.join(' ')}"`
}

/** The mesh shards a playlist lists, in order. Lines that do not read are skipped (that shard is then not used). */
export function readMeshShards(text: string): MeshShard[] {
  const shards: MeshShard[] = []
  for (const raw of text.split(/\r?\n/)) {
    if (shards.length >= MAX_SHARDS) break
    const line = raw.trim()
    if (!line.startsWith(PREFIX)) continue
    const match = /^SWARM=([0-9a-f]{40}),TRACKERS="([^"]*)"$/.exec(line.slice(PREFIX.length))
    if (!match) continue
    const trackers = match[2]!.split(' ').filter(isMeshTrackerUrl).slice(0, MAX_SHARD_TRACKERS)
    if (trackers.length > 0) shards.push({ swarm: match[1]!, trackers })
  }
  return shards
}

/**
 * The shard a viewer belongs to: its peer id (hex, random per page) taken modulo the shard count, so viewers
 * spread evenly without asking anyone. Null when the playlist lists none.
 */
export function pickShard(shards: readonly MeshShard[], peerId: string): MeshShard | null {
  if (shards.length === 0) return null
  const value = Number.parseInt(peerId.slice(0, 8), 16)
  return shards[(Number.isFinite(value) ? value : 0) % shards.length] ?? null
}

/** Where viewers meet when a playlist lists no mesh line (another packager's magnets): the fixed v1 swarm. */
export function fallbackShard(magnetTrackers: readonly string[]): MeshShard | null {
  const trackers = [...new Set(magnetTrackers.filter(isMeshTrackerUrl))].slice(0, MAX_SHARD_TRACKERS)
  return trackers.length > 0 ? { swarm: MESH_INFOHASH, trackers } : null
}

/** A WebSocket tracker URL that a mesh line can carry (its list is space-separated inside quotes). */
export function isMeshTrackerUrl(url: string): boolean {
  return /^wss?:\/\/[^\s"]+$/.test(url)
}
