/**
 * The simulated world of `npm run bench:sim`: every assumption of the model is a field here, with its default and
 * why. The delivery core itself is not modelled: the simulator runs the real one (src/client/core) per viewer;
 * what is modelled is what lies behind its ports (the network, WebTorrent's piece exchange, the tracker, the player).
 */
import type { DeliveryConfig } from '../../src/client/core/config.js'

/** One class of viewers by upload capacity. */
export interface UploadClass {
  name: string
  /** Share of viewers in this class (the shares add up to 1). */
  share: number
  /** Upload capacity, bits per second; 0 = uploads nothing (symmetric NAT, no TURN, or switched off). */
  bitsPerSecond: number
}

export interface SimParams {
  viewers: number
  /** Simulated seconds measured, after the audience has joined. */
  durationSeconds: number
  /** Viewers join uniformly over this many seconds at the start (a live event's opening)... */
  joinWindowSeconds: number
  /** ...or one after the other, this many ms apart (as bench:swarm's browsers do); null: the window. */
  joinStaggerMs: number | null
  /** Measure from the first viewer's start (as bench:swarm does) rather than from the end of the joins. */
  measureFromStart: boolean
  /** Share of viewers that leave per minute (each replaced by a new one joining), from the end of the join window. */
  churnPerMinute: number
  seed: number
  /** Segment duration (the playlist's target duration), s. */
  segmentSeconds: number
  /** Stream bitrate, bits per second (the sample's 700 kbit/s video + 64 kbit/s audio). */
  bitrate: number
  /** Segments in the live playlist. */
  windowSegments: number
  /** Piece length (the origin's rule: at most 32 pieces, at least 16 KiB). */
  pieceBytes: number
  /** hls.js: segments behind the live edge it starts (liveSyncDurationCount) and its buffer goal. */
  liveSyncSegments: number
  maxBufferSeconds: number
  /** The upload mix. */
  uploadMix: UploadClass[]
  /** Download capacity of every viewer, bits per second (HTTP and peers share it). */
  downloadBitsPerSecond: number
  /** Round trip between two viewers: uniform in [min, max] ms, per link. */
  peerRttMs: [number, number]
  /** Round trip to the origin or CDN, ms. */
  originRttMs: [number, number]
  /** WebRTC connection set-up (ICE + DTLS + SCTP), ms, per link. */
  connectMs: [number, number]
  /** The mesh: neighbours at most, offers per announce (bittorrent-tracker's client sends at most 5), re-announce interval. */
  maxNeighbours: number
  offersPerAnnounce: number
  announceSeconds: number
  /** Block requests a downloader keeps outstanding per neighbour (WebTorrent pipelines a few per wire). */
  requestsPerWire: number
  /** How a downloader picks pieces: WebTorrent 'rarest' (random among the rarest) or 'sequential'. */
  strategy: 'rarest' | 'sequential'
  /** The delivery core's settings (the browser defaults unless a run overrides them). */
  delivery: DeliveryConfig
}

/**
 * A residential mix, stated as an assumption: a fifth of viewers upload nothing (carrier-grade or symmetric NAT with
 * no TURN, mobile data, P2P switched off), a third about the stream's bitrate (slow DSL, busy uplinks), the rest
 * cable and fibre uplinks. The mean, about 5 Mbit/s, is 6.6x the stream's bitrate; the median viewer uploads 1.3x it.
 */
export const REALISTIC_UPLOAD_MIX: UploadClass[] = [
  { name: 'none', share: 0.2, bitsPerSecond: 0 },
  { name: 'weak 1 Mbit/s', share: 0.3, bitsPerSecond: 1_000_000 },
  { name: 'cable 5 Mbit/s', share: 0.35, bitsPerSecond: 5_000_000 },
  { name: 'fibre 20 Mbit/s', share: 0.15, bitsPerSecond: 20_000_000 },
]

export function defaultParams(delivery: DeliveryConfig): SimParams {
  return {
    viewers: 100,
    durationSeconds: 120,
    joinWindowSeconds: 30,
    joinStaggerMs: null,
    measureFromStart: false,
    churnPerMinute: 0.05,
    seed: 1,
    segmentSeconds: 4,
    bitrate: 764_000,
    windowSegments: 6,
    pieceBytes: 16 * 1024,
    liveSyncSegments: 3,
    maxBufferSeconds: 30,
    uploadMix: REALISTIC_UPLOAD_MIX,
    downloadBitsPerSecond: 20_000_000,
    peerRttMs: [20, 120],
    originRttMs: [20, 80],
    connectMs: [500, 2500],
    maxNeighbours: 12,
    offersPerAnnounce: 5,
    announceSeconds: 10,
    requestsPerWire: 2,
    strategy: 'rarest',
    delivery,
  }
}

/** A seeded PRNG (mulberry32): runs are repeatable, and different seeds give independent runs. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let value = state
    value = Math.imul(value ^ (value >>> 15), value | 1)
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61)
    return ((value ^ (value >>> 14)) >>> 0) / 2 ** 32
  }
}

export function uniform(random: () => number, [min, max]: [number, number]): number {
  return min + (max - min) * random()
}

export function drawUploadClass(random: () => number, mix: UploadClass[]): UploadClass {
  let point = random()
  for (const upload of mix) {
    point -= upload.share
    if (point < 0) return upload
  }
  return mix[mix.length - 1]!
}

/**
 * This machine as bench:swarm uses it, for calibration: six Chromium viewers joining 5 s apart on loopback, every
 * one uploading (CPU-bound, tens of Mbit/s), round trips of a millisecond or two, local ICE in well under a second,
 * no churn, the origin-side share counted from the first viewer's start. Measured here: a loopback data channel
 * between two Chromium contexts moved a 1 MB segment in 0.1 to 0.3 s.
 */
export function browserBenchParams(delivery: DeliveryConfig, viewers = 6): SimParams {
  return {
    ...defaultParams(delivery),
    viewers,
    durationSeconds: 120,
    joinStaggerMs: 5000,
    measureFromStart: true,
    churnPerMinute: 0,
    uploadMix: [{ name: 'loopback', share: 1, bitsPerSecond: 40_000_000 }],
    downloadBitsPerSecond: 200_000_000,
    peerRttMs: [1, 3],
    originRttMs: [1, 3],
    connectMs: [300, 1000],
  }
}
