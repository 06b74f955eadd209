/**
 * Configuration of the delivery core: the decisions of when a segment comes from peers and when over HTTP.
 * Every default is here, once; the page client's own configuration (src/client/config.ts) extends it.
 */
export interface DeliveryConfig {
  /** Upload cap in bytes per second; -1 = no cap, 0 = upload switched off (download from peers still works). */
  uploadLimit: number
  /** Segments kept (and seeded) per rendition; older ones are removed. Bounds memory. */
  keepSegments: number
  /**
   * A segment its playlist no longer lists is dropped this long after it was last listed (ms): players only ask
   * for listed segments, and other viewers' playlists may lag this one by a refresh or two.
   */
  unlistedGraceMs: number
  /**
   * The P2P deadline: a segment the player asks for waits for peers at most
   *   clamp(bufferAheadMs - reserve, 0, maxWaitMs)
   * where bufferAheadMs is how much media the player has buffered ahead of its playhead; then HTTP fetches the
   * pieces still missing. The reserve is httpReserveMs until an HTTP fetch of this viewer has been timed, then
   * reserveFactor times the time a whole segment takes over HTTP here, at least minHttpReserveMs. When the buffer
   * is unknown (no media element found), defaultWaitMs is used.
   * On the service-worker path the worker makes that HTTP request (the whole segment), not the page: its fetch
   * does not wait on the page's main thread, which a busy machine slows (WebTorrent, hashing, the player).
   * maxWaitMs is 4 s: peers deliver nearly every segment they have within a second or two of its listing, so a
   * longer wait buys little share and spends the buffer a loaded machine needs for HTTP.
   * abrHeadroom: on the service-worker path the player times the wait as network time. For a segment of a
   * multi-rendition ladder, the wait is capped so that the response still looks abrHeadroom x the ladder's top
   * BANDWIDTH fast (or as fast as HTTP here, if that is slower): hls.js switches up while 0.7 x its estimate
   * covers a rendition, so 1.8 (= 1 / 0.7 x 1.25) keeps the top rendition in reach with a quarter to spare.
   * 0 switches the cap off.
   */
  deadline: {
    httpReserveMs: number
    minHttpReserveMs: number
    reserveFactor: number
    maxWaitMs: number
    defaultWaitMs: number
    abrHeadroom: number
  }
  /**
   * Who fetches a new segment over HTTP for the others, as soon as it is listed (before any player asks):
   * - 'rank': each viewer ranks itself for the segment by a hash of its peer id and the segment's infohash, so the
   *   choice rotates fairly from segment to segment and every viewer computes the same one (weighted by the
   *   upload rates viewers measured, so fast uplinks are picked more often). The lowest-ranked uploader of each
   *   neighbourhood fetches at once if it is among about max(fetchers, fetchersPerSqrtViewer * sqrt(audience))
   *   of the whole audience; the others wait for peers, and only if no neighbour has a piece (or a fetch was
   *   announced) after escalateAfterMs + position * escalateStepMs does the next in rank fetch.
   * - 'lottery': the first version's policy: a viewer whose neighbours have nothing starts HTTP after a random
   *   share (up to lotteryShare) of its deadline wait; nothing happens before the player asks.
   * - 'none': only the deadline (the baseline in the simulator).
   * Viewers that do not upload never fetch for others.
   */
  firstFetch: {
    policy: 'rank' | 'lottery' | 'none'
    fetchers: number
    fetchersPerSqrtViewer: number
    escalateAfterMs: number
    escalateStepMs: number
    lotteryShare: number
  }
  /** Tell neighbours of every new segment, so that they join its swarm before their own playlist refresh lists it. */
  notifyNeighbours: boolean
  /**
   * Viewers per neighbourhood (the lowest ranked for a playlist) that load the playlist themselves when its next
   * segment is due, instead of waiting for the player's next reload (up to a target duration later). 0: off.
   */
  edgePollers: number
  /**
   * Upload at most this many times what this viewer downloaded (or `uploadAllowanceBytes`, if more: a viewer
   * that just joined can help at once): beyond, it stops serving until its downloads catch up. Keeps a fast viewer
   * from becoming the audience's CDN. 0 = no cap.
   */
  maxUploadRatio: number
  uploadAllowanceBytes: number
}

export const DEFAULT_DELIVERY_CONFIG: DeliveryConfig = {
  uploadLimit: -1,
  keepSegments: 12,
  unlistedGraceMs: 12_000,
  deadline: { httpReserveMs: 4000, minHttpReserveMs: 3000, reserveFactor: 4, maxWaitMs: 4000, defaultWaitMs: 1000, abrHeadroom: 1.8 },
  firstFetch: { policy: 'rank', fetchers: 3, fetchersPerSqrtViewer: 0.25, escalateAfterMs: 1000, escalateStepMs: 500, lotteryShare: 0.6 },
  notifyNeighbours: true,
  edgePollers: 2,
  maxUploadRatio: 3,
  uploadAllowanceBytes: 2_000_000,
}

export class ConfigError extends Error {}

/** Checks the delivery settings of a resolved configuration; throws a ConfigError naming the first bad one. */
export function validateDeliveryConfig(config: DeliveryConfig): void {
  const check = (ok: boolean, name: string, value: unknown, expected: string) => {
    if (!ok) throw new ConfigError(`live-torrent: ${name} must be ${expected}, got ${JSON.stringify(value)}`)
  }
  const atLeast = (name: string, value: number, min: number) =>
    check(typeof value === 'number' && Number.isFinite(value) && value >= min, name, value, `a number of at least ${min}`)
  atLeast('uploadLimit', config.uploadLimit, -1)
  check(
    Number.isInteger(config.keepSegments) && config.keepSegments >= 1,
    'keepSegments',
    config.keepSegments,
    'a whole number of at least 1',
  )
  atLeast('unlistedGraceMs', config.unlistedGraceMs, 0)
  for (const name of ['httpReserveMs', 'minHttpReserveMs', 'reserveFactor', 'maxWaitMs', 'defaultWaitMs', 'abrHeadroom'] as const)
    atLeast(`deadline.${name}`, config.deadline[name], 0)
  const headroom = config.deadline.abrHeadroom
  check(headroom === 0 || headroom >= 1, 'deadline.abrHeadroom', headroom, '0 (off) or a number of at least 1')
  const policies = ['rank', 'lottery', 'none']
  check(policies.includes(config.firstFetch.policy), 'firstFetch.policy', config.firstFetch.policy, `one of ${policies.join(', ')}`)
  atLeast('firstFetch.fetchers', config.firstFetch.fetchers, 0)
  atLeast('firstFetch.fetchersPerSqrtViewer', config.firstFetch.fetchersPerSqrtViewer, 0)
  atLeast('firstFetch.escalateAfterMs', config.firstFetch.escalateAfterMs, 0)
  atLeast('firstFetch.escalateStepMs', config.firstFetch.escalateStepMs, 0)
  const share = config.firstFetch.lotteryShare
  check(typeof share === 'number' && share >= 0 && share <= 1, 'firstFetch.lotteryShare', share, 'a number from 0 to 1')
  check(typeof config.notifyNeighbours === 'boolean', 'notifyNeighbours', config.notifyNeighbours, 'true or false')
  check(Number.isInteger(config.edgePollers) && config.edgePollers >= 0, 'edgePollers', config.edgePollers, 'a whole number of at least 0')
  atLeast('maxUploadRatio', config.maxUploadRatio, 0)
  atLeast('uploadAllowanceBytes', config.uploadAllowanceBytes, 0)
}
