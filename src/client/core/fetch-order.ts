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
 * A viewer's key for a segment: an exponential draw of rate `weight` from its rank (the lowest key of a set is
 * viewer i's with probability weight_i / sum of weights). Weighting by upload rate makes a fast uploader first
 * more often: a first fetcher on a 1 Mbit/s uplink takes seconds to hand a segment on, and its whole
 * neighbourhood waits (seen in the simulator: such segments needed HTTP at 100 to 200 viewers' deadlines).
 */
export function keyOf(id: string, infoHash: string, weight: number): number {
  return -Math.log(1 - rankOf(id, infoHash)) / weight
}

/**
 * Who fetches a newly listed segment over HTTP (policy 'rank', see DeliveryConfig.firstFetch). Among this viewer
 * and its uploading neighbours, ordered by key: the first fetches at once if fewer than `fetchers` uploaders of
 * the whole audience are expected to have a lower key (so that an audience of thousands, with thousands of
 * neighbourhoods, still fetches each segment only about `fetchers` times); everyone else escalates in key order.
 * Upload rates (bytes/s, null when not measured yet) weight the keys; unknown ones count as the neighbourhood's
 * median known rate.
 */
export function planFirstFetch(
  self: NeighbourInfo,
  neighbours: readonly NeighbourInfo[],
  audience: number | null,
  infoHash: string,
  config: DeliveryConfig['firstFetch'],
): FirstFetchPlan {
  if (config.policy !== 'rank' || !self.uploads) return NEVER
  const uploaders = neighbours.filter((neighbour) => neighbour.uploads)
  const weightOf = weigher([self, ...uploaders])
  const key = keyOf(self.id, infoHash, weightOf(self))
  const position = uploaders.filter((neighbour) => keyOf(neighbour.id, infoHash, weightOf(neighbour)) < key).length
  const uploaderShare = neighbours.length ? (uploaders.length + 1) / (neighbours.length + 1) : 1
  const uploadingAudience = Math.max(uploaders.length + 1, (audience ?? 0) * uploaderShare)
  // The chance that a viewer like these has a lower key, times the audience: the expected number ranked before.
  const sample = [self, ...uploaders]
  const below = sample.reduce((sum, viewer) => sum + (1 - Math.exp(-weightOf(viewer) * key)), 0) / sample.length
  const rankedBefore = below * uploadingAudience
  const fetchers = fetchersFor(uploadingAudience, config)
  if (position === 0 && rankedBefore < fetchers) return { now: true, escalateAfterMs: null }
  const steps = Math.min(MAX_ESCALATION_POSITION, Math.max(position, Math.floor(rankedBefore / Math.max(1, fetchers))))
  return { now: false, escalateAfterMs: config.escalateAfterMs + steps * config.escalateStepMs }
}

/**
 * How many fetch each new segment for an audience of this many uploaders: `fetchers`, or more in a large audience
 * (`fetchersPerSqrtViewer` times the square root): more first copies cut the hops a segment takes to reach
 * everyone, so the slowest viewers stop missing their deadline, while HTTP still grows only with the square root.
 */
export function fetchersFor(uploaders: number, config: DeliveryConfig['firstFetch']): number {
  return Math.max(config.fetchers, config.fetchersPerSqrtViewer * Math.sqrt(uploaders))
}

/** Weights from upload rates, relative to the median known one; all 1 when none is known. */
function weigher(viewers: readonly NeighbourInfo[]): (viewer: NeighbourInfo) => number {
  const known = viewers
    .map((viewer) => viewer.uploadRate)
    .filter((rate): rate is number => rate !== null && rate > 0)
    .sort((a, b) => a - b)
  if (known.length === 0) return () => 1
  const median = known[Math.floor(known.length / 2)]!
  return (viewer) => (viewer.uploadRate !== null && viewer.uploadRate > 0 ? viewer.uploadRate / median : 1)
}
