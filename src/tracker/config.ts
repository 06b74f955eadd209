/**
 * Configuration of the WebSocket tracker, embedded in an origin or run alone. Every default is here, once.
 * The limits bound what one connection can cost the tracker, whatever a client sends: a stock WebTorrent client
 * sends at most 5 offers per announce, one announce per swarm every interval, and an answer per offer it gets.
 */
export interface TrackerConfig {
  /** Announce interval (ms). bittorrent-tracker tells WebSocket clients a fifth of it. */
  announceIntervalMs: number
  /** Largest message accepted (bytes); a larger one closes the connection (WebSocket close code 1009). */
  maxMessageBytes: number
  /** Sustained messages per second per connection... */
  messagesPerSecond: number
  /** ...with bursts of up to this many. Messages beyond are refused with a failure reason. */
  messageBurst: number
  /** Distinct swarms (infohashes) one connection may be in at once. */
  maxSwarmsPerSocket: number
  /** Offers in one announce (bittorrent-tracker relays each to one peer of the swarm). */
  maxOffersPerAnnounce: number
  /** Largest `numwant` accepted. */
  maxNumwant: number
  /** Largest SDP of one offer or answer (bytes of its string). */
  maxSdpBytes: number
  /** Infohashes in one scrape. */
  maxScrapeInfoHashes: number
  /** Connections at once; a new one beyond is refused (HTTP 503). */
  maxSockets: number
  /**
   * Peers one swarm holds. bittorrent-tracker's default is 1,000, beyond which it forgets the least recent
   * announcer: in a larger mesh, viewers were offered peers that had just been forgotten, and their answers refused.
   */
  maxPeersPerSwarm: number
  /** Refused messages a connection may send before it is closed (WebSocket close code 1008). */
  maxViolationsPerSocket: number
  /**
   * Every connection is pinged this often (ms) and closed when it did not answer the previous ping: a viewer that
   * vanished without a TCP close would otherwise hold its peer id and its place in every swarm for good.
   */
  heartbeatMs: number
  /**
   * Privacy: offers (which carry a viewer's network addresses in their ICE candidates) are relayed only in a swarm
   * of at least this many peers. Below it the tracker strips them, so no viewer learns another's address and P2P
   * waits; 1 relays always.
   */
  minSwarm: number
}

export const DEFAULT_TRACKER_CONFIG: TrackerConfig = {
  announceIntervalMs: 50_000,
  maxMessageBytes: 64 * 1024,
  messagesPerSecond: 20,
  messageBurst: 60,
  maxSwarmsPerSocket: 64,
  maxOffersPerAnnounce: 10,
  maxNumwant: 100,
  maxSdpBytes: 8 * 1024,
  maxScrapeInfoHashes: 64,
  maxSockets: 100_000,
  maxPeersPerSwarm: 100_000,
  maxViolationsPerSocket: 50,
  heartbeatMs: 30_000,
  minSwarm: 1,
}

export class TrackerConfigError extends Error {}

/** The defaults with `partial` over them; throws a TrackerConfigError naming the first bad value. */
export function resolveTrackerConfig(partial: Partial<TrackerConfig> = {}): TrackerConfig {
  const config: TrackerConfig = { ...DEFAULT_TRACKER_CONFIG }
  for (const [name, value] of Object.entries(partial) as [keyof TrackerConfig, unknown][]) {
    if (value === undefined) continue
    if (!(name in DEFAULT_TRACKER_CONFIG)) throw new TrackerConfigError(`unknown tracker option "${name}"`)
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 1)
      throw new TrackerConfigError(`tracker option "${name}" must be a whole number of at least 1, got ${JSON.stringify(value)}`)
    config[name] = value
  }
  return config
}
