import type { MeshShard } from './mesh-shards.js'
import type { AnnouncedSegment } from './playlist-magnets.js'

/**
 * Messages between the service worker and the page client of one tab. The SW sees the player's requests; the
 * page has WebRTC. All carry `lt` so that other messages on the same channel are ignored.
 */

/**
 * Response header on everything the worker answers for a tab (a playlist it tapped, a segment the page answered or
 * it fetched itself): `peers`, `http` or `both` for a segment's source, `tapped` for a playlist. A player's
 * request without it passed the worker by (not yet in control, or the worker did not know the segment), so the
 * hls.js loaders report it to the page client themselves.
 */
export const WORKER_HEADER = 'x-live-torrent-source'

/** Page -> SW (navigator.serviceWorker.controller.postMessage): this tab is a viewer, with P2P on or off. */
export interface HelloMessage {
  lt: 'hello'
  /** False also while P2P has not started yet: the worker then fetches the tab's segments itself. */
  p2p: boolean
}

/** SW -> page: a playlist the player loaded lists these segments (join their swarms now). */
export interface SegmentsMessage {
  lt: 'segments'
  playlistUrl: string
  segments: AnnouncedSegment[]
  /** The playlist's mesh shards (where viewers meet). */
  mesh: MeshShard[]
}

/** SW -> page: the player loaded this master playlist (its text: the rendition ladder it chooses from). */
export interface MasterMessage {
  lt: 'master'
  playlistUrl: string
  text: string
}

/**
 * SW -> page, with a MessagePort to answer on: the player asks for this segment.
 * The page answers on the port with a SegmentAnswer, or a SegmentDecline when it cannot help.
 */
export interface SegmentRequestMessage {
  lt: 'segment-request'
  key: string
}

/** Page -> SW (on the request's port), at once: how long the page may take before it answers. */
export interface SegmentAckMessage {
  lt: 'segment-ack'
  /** The SW fetches over HTTP itself if no answer comes by then. */
  answerWithinMs: number
}

/** Page -> SW: the segment's bytes, verified. */
export interface SegmentAnswerMessage {
  lt: 'segment-answer'
  bytes: ArrayBuffer
  source: 'peers' | 'http' | 'mixed'
}

/** Page -> SW: fetch it over HTTP yourself (P2P off, unknown segment, or an error). */
export interface SegmentDeclineMessage {
  lt: 'segment-decline'
  reason: string
}

/**
 * SW -> page: the SW fetched a segment over HTTP itself (P2P off, declined, or peers too slow), with the bytes
 * (transferred), for the page client to count, check and seed.
 */
export interface HttpFetchedMessage {
  lt: 'http-fetched'
  key: string
  body: ArrayBuffer
  /** From the player's request to the whole body (ms). */
  waitedMs: number
}

export type SwToPageMessage = SegmentsMessage | MasterMessage | SegmentRequestMessage | HttpFetchedMessage
/** Page -> SW: this tab does not use the worker after all (it did not take control in time): leave it alone. */
export interface ByeMessage {
  lt: 'bye'
}

export type PageToSwMessage = HelloMessage | ByeMessage
export type PortMessage = SegmentAckMessage | SegmentAnswerMessage | SegmentDeclineMessage

export function isLiveTorrentMessage(data: unknown): data is { lt: string } {
  return typeof data === 'object' && data !== null && typeof (data as { lt?: unknown }).lt === 'string'
}
