// The parts of webtorrent 2.8's browser build (dist/webtorrent.min.js, no typings of its own) the page client uses.
declare module 'webtorrent/dist/webtorrent.min.js' {
  export interface BitField {
    get(index: number): boolean
  }
  export interface Wire {
    type: 'webrtc' | 'webSeed' | 'tcpIncoming' | 'tcpOutgoing' | 'utp'
    peerPieces: BitField
    destroyed: boolean
    on(event: 'download' | 'upload', cb: (bytes: number) => void): void
    on(event: 'piece', cb: (index: number, offset: number, buffer: Uint8Array) => void): void
    unchoke(): void
    choke(): void
    peerInterested: boolean
    have(index: number): void
    destroy(): void
  }
  export interface TorrentFile {
    length: number
    arrayBuffer(): Promise<ArrayBuffer>
  }
  export interface Torrent {
    infoHash: string
    length: number
    pieceLength: number
    done: boolean
    ready: boolean
    destroyed: boolean
    bitfield: BitField
    pieces: unknown[]
    files: TorrentFile[]
    wires: Wire[]
    addPeer(peer: object): boolean
    addWebSeed(url: string): void
    destroy(opts?: { destroyStore?: boolean }, cb?: (err?: Error) => void): void
    on(event: 'wire', cb: (wire: Wire) => void): void
    on(event: 'warning' | 'error', cb: (err: Error | string) => void): void
    on(event: 'verified', cb: (index: number) => void): void
    once(event: 'ready' | 'done', cb: () => void): void
    once(event: 'error', cb: (err: Error | string) => void): void
    removeListener(event: string, cb: (...args: never[]) => void): void
  }
  export interface WebTorrentOptions {
    peerId?: string
    tracker?: false | object
    dht?: boolean
    lsd?: boolean
    utPex?: boolean
    webSeeds?: boolean
    natUpnp?: boolean
    natPmp?: boolean
  }
  export default class WebTorrent {
    constructor(opts?: WebTorrentOptions)
    add(torrentId: Uint8Array, opts: Record<string, unknown>, cb?: (torrent: Torrent) => void): Torrent
    throttleUpload(rate: number): void
    on(event: 'error', cb: (err: Error | string) => void): void
    destroy(cb?: (err?: Error) => void): void
  }
}

// memory-chunk-store 1.3 (no typings of its own): an abstract-chunk-store kept in memory, passed to WebTorrent as
// the constructor of its chunk store.
declare module 'memory-chunk-store' {
  const MemoryChunkStore: new (chunkLength: number, opts?: { length?: number }) => object
  export default MemoryChunkStore
}

declare module 'bittorrent-tracker' {
  export interface TrackerClientOptions {
    infoHash: string
    peerId: string
    announce: string[]
    rtcConfig?: RTCConfiguration
    getAnnounceOpts?: () => Record<string, number>
  }
  export default class Client {
    constructor(opts: TrackerClientOptions)
    start(): void
    destroy(): void
    on(event: string, cb: (...args: never[]) => void): void
  }
}
