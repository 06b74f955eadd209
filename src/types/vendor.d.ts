// Minimal typings for the untyped libraries we use: only the parts this project calls.

declare module 'bencode' {
  const bencode: {
    encode(value: unknown): Uint8Array
    decode(data: Uint8Array, encoding?: string): any
  }
  export default bencode
}

declare module 'parse-torrent' {
  export interface ParsedTorrent {
    info?: unknown
    infoHash: string
    name?: string
    announce?: string[]
    urlList?: string[]
    length?: number
    pieceLength?: number
    lastPieceLength?: number
    pieces?: string[]
    created?: Date
    createdBy?: string
  }
  export default function parseTorrent(id: Uint8Array | string): Promise<ParsedTorrent>
  export function toTorrentFile(parsed: { info: unknown; announce?: string[]; urlList?: string[]; createdBy?: string }): Uint8Array
}

declare module 'bittorrent-tracker' {
  import { EventEmitter } from 'node:events'
  import type { WebSocketServer } from 'ws'
  export interface ServerOptions {
    http?: boolean
    udp?: boolean
    ws?: boolean | { noServer?: boolean }
    stats?: boolean
    interval?: number
    /** Peers one swarm holds (lru max; default 1000). */
    peersCacheLength?: number
    trustProxy?: boolean
    filter?: (infoHash: string, params: unknown, cb: (err?: Error | null) => void) => void
  }
  export interface Swarm {
    infoHash: string
    complete: number
    incomplete: number
    peers: { length: number; keys: string[]; remove?(key: string): void }
  }
  export class Server extends EventEmitter {
    constructor(opts?: ServerOptions)
    ws: WebSocketServer | null
    torrents: Record<string, Swarm>
    close(cb?: (err?: Error | null) => void): void
  }
  export class Client extends EventEmitter {
    constructor(opts: Record<string, unknown>)
    start(opts?: Record<string, unknown>): void
    stop(opts?: Record<string, unknown>): void
    destroy(cb?: () => void): void
  }
}

declare module 'm3u8-parser' {
  export interface ParsedByteRange {
    length: number
    offset: number
  }
  export interface ParsedSegment {
    uri: string
    duration: number
    byterange?: ParsedByteRange
    map?: { uri: string; byterange?: ParsedByteRange }
    key?: { method: string; uri?: string }
    discontinuity?: boolean
    timeline?: number
  }
  export interface ParsedManifest {
    allowCache?: boolean
    endList?: boolean
    mediaSequence?: number
    discontinuitySequence?: number
    targetDuration?: number
    playlistType?: string
    segments: ParsedSegment[]
    playlists?: Array<{ uri: string; attributes: Record<string, unknown> }>
    mediaGroups?: Record<string, Record<string, Record<string, { uri?: string }>>>
    iFramePlaylists?: Array<{ uri: string }>
  }
  export class Parser {
    manifest: ParsedManifest
    push(chunk: string): void
    end(): void
    on(event: 'warn' | 'info', cb: (e: { message: string }) => void): void
  }
}

declare module 'create-torrent' {
  export default function createTorrent(
    input: Uint8Array,
    opts: Record<string, unknown>,
    cb: (err: Error | null, torrent: Uint8Array) => void,
  ): void
}

/** The server alone (its own entry point): importing the package root also loads the WebRTC client's native addon. */
declare module 'bittorrent-tracker/server' {
  import { Server } from 'bittorrent-tracker'
  export default Server
}
