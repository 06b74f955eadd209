import { createHash } from 'node:crypto'
import { isMeshTrackerUrl, type MeshShard } from '../protocol/mesh-shards.js'
import type { OriginConfig } from './config.js'
import type { SourceSpec } from './sources/resolve.js'

/**
 * Where a feed's viewers meet (protocol/mesh-shards.ts): one mesh swarm per shard, each shard on its own
 * trackers. With no shards configured, the feed is one shard on the trackers its magnets list.
 */
export interface MeshPlan {
  /** Names the feed: its swarms are derived from it, so feeds sharing a tracker never mix their viewers. */
  feedId: string
  /** Trackers of each shard; empty: one shard on the magnets' trackers. */
  shards: string[][]
}

/**
 * The plan of a feed as configured. Unless given, the feed is named by what it serves and where: two origins of
 * one source behind one public URL share a mesh.
 */
export function meshPlanFor(spec: SourceSpec, config: OriginConfig): MeshPlan {
  const feedId = config.feedId ?? `${config.publicUrl ?? `${config.host}:${config.port}`} ${JSON.stringify(spec)}`
  return { feedId, shards: config.shards }
}

/** The mesh swarm of one shard of a feed: SHA-1 of the feed id and the shard's number. */
export function meshSwarm(feedId: string, shard: number): string {
  return createHash('sha1').update(`live-torrent mesh v2\n${feedId}\n${shard}`).digest('hex')
}

/** Every swarm the plan's viewers announce (what an origin's own tracker admits besides segment swarms). */
export function meshSwarms(plan: MeshPlan): string[] {
  return Array.from({ length: Math.max(1, plan.shards.length) }, (_, shard) => meshSwarm(plan.feedId, shard))
}

/** The mesh lines of the plan; `magnetTrackers` are this rendering's magnet trackers (own tracker first). */
export function meshShards(plan: MeshPlan, magnetTrackers: readonly string[]): MeshShard[] {
  if (plan.shards.length > 0) return plan.shards.map((trackers, shard) => ({ swarm: meshSwarm(plan.feedId, shard), trackers }))
  const trackers = magnetTrackers.filter(isMeshTrackerUrl)
  return trackers.length > 0 ? [{ swarm: meshSwarm(plan.feedId, 0), trackers }] : []
}
