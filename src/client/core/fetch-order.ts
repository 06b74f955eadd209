import type { DeliveryConfig } from './config.js'
import type { NeighbourInfo } from './ports.js'

/**
 * A viewer's rank for a segment, uniform in [0, 1): a hash of its peer id and the segment's infohash. Every viewer
 * computes every neighbour's rank the same way, so a neighbourhood agrees on who is first without a message, and
 * the first one changes from segment to segment (a fair rotation, where a lottery let one viewer win many in a row).
 * FNV-1a with a murmur3 finaliser: not a secure hash (a peer could pick an id that ranks first often; the deadline
 * still protects every viewer), but well mixed and cheap enough for the simulator's millions of calls.
 */
export function rankOf(peerId: string, infoHash: string): number {
  let hash = 0x811c9dc5
  const text = `${peerId}/${infoHash}`
  for (let index = 0; index < text.length; index++) {
    hash ^= text.charCodeAt(index)
    hash = Math.imul(hash, 0x01000193)
  }
  hash ^= hash >>> 16
  hash = Math.imul(hash, 0x85ebca6b)
  hash ^= hash >>> 13
  hash = Math.imul(hash, 0xc2b2ae35)
  hash ^= hash >>> 16
  return (hash >>> 0) / 2 ** 32
}

export interface FirstFetchPlan {
  /** Fetch the segment over HTTP now, for the neighbourhood. */
  now: boolean
  /** Otherwise: fetch after this long (ms) unless a neighbour has a piece or announced a fetch by then; null = never. */
  escalateAfterMs: number | null
}

const NEVER: FirstFetchPlan = { now: false, escalateAfterMs: null }
/** Escalation steps at most: beyond, a viewer waits for its deadline like everyone else. */
const MAX_ESCALATION_POSITION = 8

/**
 * Who fetches a newly listed segment over HTTP (policy 'rank', see DeliveryConfig.firstFetch). Among this viewer
 * and its uploading neighbours, ordered by rank: the first fetches at once if fewer than `fetchers` uploaders of
 * the whole audience are expected to rank before it (so that an audience of thousands, with thousands of
 * neighbourhoods, still fetches each segment only about `fetchers` times); everyone else escalates in rank order.
 */
export function planFirstFetch(
  selfId: string,
  selfUploads: boolean,
  neighbours: readonly NeighbourInfo[],
  audience: number | null,
  infoHash: string,
  config: DeliveryConfig['firstFetch'],
): FirstFetchPlan {
  if (config.policy !== 'rank' || !selfUploads) return NEVER
  const rank = rankOf(selfId, infoHash)
  const uploaders = neighbours.filter((neighbour) => neighbour.uploads)
  const position = uploaders.filter((neighbour) => rankOf(neighbour.id, infoHash) < rank).length
  const uploaderShare = neighbours.length ? (uploaders.length + 1) / (neighbours.length + 1) : 1
  const uploadingAudience = Math.max(uploaders.length + 1, (audience ?? 0) * uploaderShare)
  const rankedBefore = rank * uploadingAudience
  if (position === 0 && rankedBefore < config.fetchers) return { now: true, escalateAfterMs: null }
  const steps = Math.min(MAX_ESCALATION_POSITION, Math.max(position, Math.floor(rankedBefore / Math.max(1, config.fetchers))))
  return { now: false, escalateAfterMs: config.escalateAfterMs + steps * config.escalateStepMs }
}
