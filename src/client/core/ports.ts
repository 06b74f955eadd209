/**
 * The ports of the delivery core: everything it needs from the outside world, so that the same decisions run in
 * the browser (WebTorrent over WebRTC, fetch, performance.now), in unit tests with a fake clock, and in the
 * swarm simulator with thousands of simulated viewers. Everything is callback-based and synchronous where it can
 * be, so that a simulator can run it without an event loop.
 */
import type { AnnouncedSegment } from '../../protocol/playlist-magnets.js'
import type { ControlMessage } from '../../protocol/mesh-control.js'

export interface Timer {
  cancel(): void
}

export interface Clock {
  /** Milliseconds, monotonic. */
  now(): number
  setTimer(ms: number, run: () => void): Timer
}

/** A uniform number in [0, 1). */
export type Random = () => number

export interface Log {
  debug(message: string, ...details: unknown[]): void
  warn(message: string, ...details: unknown[]): void
}

/** What a segment's torrent says of its shape, once known. */
export interface SwarmShape {
  pieceCount: number
  pieceLength: number
  /** Bytes of the segment. */
  length: number
}

/** What the transport reports of one segment's swarm. */
export interface SwarmListener {
  /** The torrent is known: pieces can be exchanged. `torrentFile` is the .torrent it was added from. */
  ready(shape: SwarmShape, torrentFile: Uint8Array): void
  /** The swarm could not be joined (no .torrent, infohash mismatch); the segment falls back to HTTP. */
  failed(error: Error): void
  /** A piece passed its hash check. `bytes` is its length (peers: the bytes they sent of it). */
  verified(piece: number, from: 'peers' | 'http', bytes: number): void
  /** Every piece is verified (reported after the last piece's `verified`). */
  completed(): void
  /** A piece from peers failed its hash check; `neighbours` sent parts of it. */
  rejected(piece: number, neighbours: string[]): void
  uploaded(bytes: number): void
}

/** One segment's swarm in the transport (a WebTorrent torrent wired to every neighbour). */
export interface SwarmHandle {
  readonly done: boolean
  has(piece: number): boolean
  /** True when a connected neighbour has a piece this viewer lacks. */
  peersCanHelp(): boolean
  /** Hands over a piece fetched over HTTP; the transport checks it like any other and reports verified/rejected. */
  putHttpPiece(piece: number, bytes: Uint8Array): void
  /** The whole segment, once done. */
  read(done: (bytes: Uint8Array<ArrayBuffer> | null, error?: Error) => void): void
  leave(): void
}

/** The transport of pieces and wires: BitTorrent over data channels to the neighbours. */
export interface PieceTransport {
  /**
   * Joins a segment's swarm. With `torrentFile` (a neighbour passed it on) no .torrent is fetched; bytes that do not
   * hash to the segment's infohash are ignored and the origin's .torrent is fetched instead.
   */
  join(segment: AnnouncedSegment, listener: SwarmListener, torrentFile?: Uint8Array): SwarmHandle
  /** Serve neighbours' requests (unchoke) or not (choke every wire), for all segments. */
  setUploading(allowed: boolean): void
}

export interface HttpSink {
  data(chunk: Uint8Array): void
  done(error?: Error): void
}

export interface HttpPort {
  /** Fetches `url`, or bytes [start, end) of it; returns a function that aborts the fetch. */
  fetch(url: string, range: { start: number; end: number } | null, sink: HttpSink): () => void
  /** Loads a playlist (never from a cache); calls back with its text, or null on any failure. */
  fetchText(url: string, done: (text: string | null) => void): void
}

export interface NeighbourInfo {
  id: string
  /** Whether it uploads (its hello said so); a neighbour that cannot upload never fetches for the others. */
  uploads: boolean
  /** The upload rate it measured for itself (bytes/s), null before it has uploaded enough to tell. */
  uploadRate: number | null
}

/**
 * The neighbour mesh: who is connected, the audience size, and control messages to neighbours. The mesh calls the
 * core's onNeighbour / onNeighbourGone / onControl as things happen.
 */
export interface MeshPort {
  readonly selfId: string
  neighbourIds(): readonly string[]
  /** Viewers in the mesh (the tracker's count for the mesh swarm), or null when unknown. */
  audience(): number | null
  send(to: string, message: ControlMessage): void
  /** Disconnects a neighbour that sent bad data and refuses it from now on; false if it was banned already. */
  ban(id: string): boolean
}
