import type WebTorrent from 'webtorrent/dist/webtorrent.min.js'
import type { Torrent, Wire } from 'webtorrent/dist/webtorrent.min.js'
import type { AnnouncedSegment } from '../../protocol/playlist-magnets.js'
import type { SwarmHandle, SwarmListener } from '../core/ports.js'
import type { ChannelStream } from './channel-stream.js'
import MemoryChunkStore from 'memory-chunk-store'
import { infoHashOf, sha1Hex } from './sha1.js'
import { assertTorrent, failedPiece, pieceHash, storeVerifiedPiece, wireOfStream } from './webtorrent-internals.js'

/**
 * One segment's torrent in the page's WebTorrent client (the transport's SwarmHandle): added from the origin's
 * .torrent (no metadata exchange), with one wire per neighbour on its own data channel, pieces from HTTP handed in
 * by the delivery core, and the accounting of where verified bytes came from. WebTorrent checks every piece from
 * peers against the .torrent's hashes; pieces from HTTP are checked here before they are stored.
 */
export class TorrentSwarm implements SwarmHandle {
  torrent: Torrent | null = null
  private readonly channels = new Map<string, ChannelStream>()
  /** Wires that sent blocks of each piece not yet verified: who to blame when it fails. */
  private readonly contributors = new Map<number, Set<Wire>>()
  /**
   * Bytes of each piece received from neighbours and not verified yet. They count as bytes from peers only once
   * their piece passes its hash check: counted on arrival, a neighbour sending garbage inflated the P2P share.
   */
  private readonly unverifiedPeerBytes = new Map<number, number>()
  /** Pieces from HTTP being checked and stored. */
  private readonly fromHttp = new Set<number>()
  /** The piece whose 'verified' event is being emitted by storeVerifiedPiece (an HTTP piece, not a peer's). */
  private markingHttp: number | null = null
  private left = false

  constructor(
    readonly segment: AnnouncedSegment,
    private readonly listener: SwarmListener,
    /** Whether this viewer serves neighbours now (upload on, and under its upload ratio). */
    private readonly mayUpload: () => boolean,
  ) {}

  get infoHash(): string {
    return this.segment.magnet.infoHash
  }

  get done(): boolean {
    return this.torrent?.done ?? false
  }

  /**
   * Adds the torrent to the client, from the .torrent a neighbour passed on when it hashes to the segment's
   * infohash, else from the origin's; reports ready or failed to the core's listener.
   */
  async start(client: WebTorrent, passedOn?: Uint8Array): Promise<Torrent | null> {
    try {
      const torrentFile = passedOn && (await infoHashOf(passedOn)) === this.infoHash ? passedOn : await this.fetchTorrentFile()
      if (this.left) return null
      // In memory: WebTorrent's default in a browser with the File System Access API is the origin's private file
      // system, which every tab of the origin shares (one tab's eviction deleted the pieces another was seeding),
      // which outlives the page (segments left on the viewer's disk), and whose writes cost a busy page time.
      const torrent = client.add(torrentFile, {
        announce: [],
        store: MemoryChunkStore,
        storeCacheSlots: 0,
        destroyStoreOnDestroy: true,
        strategy: 'rarest',
      })
      await new Promise<void>((resolve, reject) => {
        torrent.once('ready', resolve)
        torrent.once('error', (err) => reject(err instanceof Error ? err : new Error(err)))
      })
      if (torrent.infoHash !== this.infoHash) throw new Error(`.torrent is for ${torrent.infoHash}, the playlist said ${this.infoHash}`)
      assertTorrent(torrent)
      if (this.left) {
        torrent.destroy({ destroyStore: true })
        return null
      }
      this.attach(torrent)
      this.listener.ready({ pieceCount: torrent.pieces.length, pieceLength: torrent.pieceLength, length: torrent.length }, torrentFile)
      return torrent
    } catch (err) {
      this.listener.failed(err instanceof Error ? err : new Error(String(err)))
      return null
    }
  }

  private async fetchTorrentFile(): Promise<Uint8Array> {
    const response = await fetch(this.segment.magnet.torrentUrl)
    if (!response.ok) throw new Error(`.torrent answered ${response.status}`)
    return new Uint8Array(await response.arrayBuffer())
  }

  has(piece: number): boolean {
    return this.torrent?.bitfield.get(piece) ?? false
  }

  peersCanHelp(): boolean {
    const torrent = this.torrent
    if (!torrent) return false
    const pieces = torrent.pieces.length
    return torrent.wires.some((wire) => {
      if (wire.type === 'webSeed' || wire.destroyed) return false
      for (let index = 0; index < pieces; index++) if (!torrent.bitfield.get(index) && wire.peerPieces.get(index)) return true
      return false
    })
  }

  putHttpPiece(piece: number, bytes: Uint8Array): void {
    const torrent = this.torrent
    if (!torrent || this.has(piece) || this.fromHttp.has(piece)) return
    this.fromHttp.add(piece)
    const copy = bytes.slice()
    sha1Hex(copy)
      .then((hex) => {
        if (torrent.destroyed) return
        if (hex !== pieceHash(torrent, piece)) {
          console.error(
            `live-torrent: piece ${piece} of ${this.segment.url} over HTTP does not match its torrent; the origin and its .torrent disagree`,
          )
          return
        }
        return storeVerifiedPiece(torrent, piece, copy, (mark) => {
          this.markingHttp = piece
          try {
            mark()
          } finally {
            this.markingHttp = null
          }
        })
      })
      .catch((err: unknown) => torrent.destroyed || console.warn('live-torrent: cannot store a piece from HTTP', err))
      .finally(() => this.fromHttp.delete(piece))
  }

  read(done: (bytes: Uint8Array<ArrayBuffer> | null, error?: Error) => void): void {
    const file = this.torrent?.files[0]
    if (!file) return done(null, new Error('segment torrent has no file'))
    file.arrayBuffer().then(
      (buffer) => done(new Uint8Array(buffer)),
      (err: unknown) => done(null, err instanceof Error ? err : new Error(String(err))),
    )
  }

  /** Adds a neighbour's data channel for this segment as a WebTorrent peer. */
  addChannel(stream: ChannelStream): void {
    const torrent = this.torrent
    if (!torrent || torrent.destroyed || this.channels.has(stream.id)) {
      stream.destroy()
      return
    }
    this.channels.set(stream.id, stream)
    stream.once('close', () => this.channels.delete(stream.id))
    torrent.addPeer(stream)
  }

  leave(): void {
    this.left = true
    if (this.torrent && !this.torrent.destroyed) this.torrent.destroy({ destroyStore: true })
  }

  private attach(torrent: Torrent): void {
    this.torrent = torrent
    torrent.on('wire', (wire) => this.onWire(wire))
    torrent.on('verified', (index) => this.onVerified(torrent, index))
    torrent.on('warning', (warning) => this.onWarning(torrent, warning))
    // WebTorrent sets `done` after the last piece's 'verified' event: completion is its own event.
    torrent.once('done', () => this.listener.completed())
  }

  private onWire(wire: Wire): void {
    wire.on('upload', (bytes) => this.listener.uploaded(bytes))
    wire.on('piece', (index, _offset, block) => {
      let set = this.contributors.get(index)
      if (!set) this.contributors.set(index, (set = new Set()))
      set.add(wire)
      this.unverifiedPeerBytes.set(index, (this.unverifiedPeerBytes.get(index) ?? 0) + block.length)
    })
    // WebTorrent unchokes every interested peer; this viewer does only while it may upload.
    const unchoke = wire.unchoke.bind(wire)
    wire.unchoke = () => {
      if (this.mayUpload()) unchoke()
    }
  }

  /** Upload was switched on or off (the core's upload ratio): choke every wire, or unchoke the interested ones. */
  uploadingChanged(uploading: boolean): void {
    for (const wire of this.torrent?.wires ?? []) {
      if (wire.type === 'webSeed' || wire.destroyed) continue
      if (!uploading) wire.choke()
      else if (wire.peerInterested) wire.unchoke()
    }
  }

  private onVerified(torrent: Torrent, index: number): void {
    this.contributors.delete(index)
    const peerBytes = this.unverifiedPeerBytes.get(index) ?? 0
    this.unverifiedPeerBytes.delete(index)
    const http = this.markingHttp === index
    const length = index === torrent.pieces.length - 1 ? torrent.length - index * torrent.pieceLength : torrent.pieceLength
    this.listener.verified(index, http ? 'http' : 'peers', http ? length : peerBytes)
  }

  private onWarning(torrent: Torrent, warning: Error | string): void {
    const piece = failedPiece(warning)
    if (piece === null) return
    const culprits = this.contributors.get(piece) ?? new Set<Wire>()
    this.contributors.delete(piece)
    this.unverifiedPeerBytes.delete(piece)
    const neighbours: string[] = []
    for (const [id, stream] of this.channels) {
      const wire = wireOfStream(torrent, id)
      if (wire && culprits.has(wire)) neighbours.push(stream.remoteAddress)
    }
    this.listener.rejected(piece, neighbours)
  }
}
