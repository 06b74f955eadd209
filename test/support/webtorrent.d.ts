// The parts of webtorrent 2.8 (no typings of its own) that the tests use.
declare module 'webtorrent' {
  export interface TorrentFile {
    arrayBuffer(): Promise<ArrayBuffer>
  }
  export interface Wire {
    /** 'webrtc', 'webSeed', 'tcpOutgoing', ... */
    type: string
  }
  export interface Torrent {
    infoHash: string
    length: number
    wires: Wire[]
    files: TorrentFile[]
    once(event: 'done', cb: () => void): void
  }
  export default class WebTorrent {
    constructor(opts?: Record<string, unknown>)
    add(id: string | Uint8Array, opts: Record<string, unknown>, cb: (torrent: Torrent) => void): void
    destroy(cb?: (err?: Error) => void): void
  }
}
