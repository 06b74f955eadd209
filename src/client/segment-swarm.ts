import type { Torrent, Wire } from 'webtorrent/dist/webtorrent.min.js'
import type { ChannelStream } from './channel-stream.js'

/** What a swarm reports to the page client. */
export interface SwarmHooks {
  peerBytes(bytes: number): void
  httpBytes(bytes: number): void
  uploaded(bytes: number): void
  /** A piece failed its hash check; `neighbours` sent parts of it. */
  badPiece(piece: number, neighbours: string[]): void
}

/** WebTorrent reports a failed piece only as a warning with this text (2.8: torrent.js `_request`). */
const FAILED_PIECE = /^Piece (\d+) failed verification$/

/**
 * One segment's torrent in the page's WebTorrent client: its wires to neighbours (one data channel each), its
 * HTTP fallback (the origin as a BEP 19 web seed, added only when the deadline says so), and the accounting of
 * where its bytes came from. WebTorrent checks every piece against the .torrent's hashes before keeping it.
 */
export class SegmentSwarm {
  private readonly channels = new Map<string, ChannelStream>()
  /** Wires that sent blocks of each piece not yet verified: who to blame when it fails. */
  private readonly contributors = new Map<number, Set<Wire>>()
  /**
   * Bytes of each piece received from neighbours and not verified yet. They count as bytes from peers only once
   * their piece passes its hash check: counted on arrival, a neighbour sending garbage inflated the P2P share
   * (found by test/bad-peer.test.ts: every block it sent was rejected, yet bytesFromPeers grew by them).
   */
  private readonly unverifiedPeerBytes = new Map<number, number>()
  private httpStarted = false
  private httpBytes = 0
  private peerBytes = 0
  private rejectedAny = false

  constructor(
    readonly torrent: Torrent,
    readonly webSeed: string,
    private readonly hooks: SwarmHooks,
    private readonly canUpload: boolean,
  ) {
    torrent.on('wire', (wire) => this.onWire(wire))
    torrent.on('verified', (index) => this.onVerified(index))
    torrent.on('warning', (warning) => this.onWarning(warning))
  }

  get infoHash(): string {
    return this.torrent.infoHash
  }

  get done(): boolean {
    return this.torrent.done
  }

  get usedHttp(): boolean {
    return this.httpBytes > 0
  }

  get hadPeerBytes(): boolean {
    return this.peerBytes > 0
  }

  get hadRejection(): boolean {
    return this.rejectedAny
  }

  /** Adds a neighbour's data channel for this segment as a WebTorrent peer. */
  addChannel(stream: ChannelStream): void {
    if (this.torrent.destroyed || this.channels.has(stream.id)) {
      stream.destroy()
      return
    }
    this.channels.set(stream.id, stream)
    stream.once('close', () => this.channels.delete(stream.id))
    this.torrent.addPeer(stream)
  }

  /** True when a connected neighbour has a piece this viewer still lacks. */
  peersCanHelp(): boolean {
    const pieces = this.torrent.pieces.length
    return this.torrent.wires.some((wire) => {
      if (wire.type === 'webSeed' || wire.destroyed) return false
      for (let index = 0; index < pieces; index++) if (!this.torrent.bitfield.get(index) && wire.peerPieces.get(index)) return true
      return false
    })
  }

  /** Starts fetching the missing pieces from the origin. Pieces already from peers are kept. */
  startHttp(): void {
    if (this.httpStarted || this.torrent.destroyed || this.torrent.done) return
    this.httpStarted = true
    this.torrent.addWebSeed(this.webSeed)
  }

  whenDone(): Promise<void> {
    if (this.torrent.done) return Promise.resolve()
    return new Promise((resolve, reject) => {
      this.torrent.once('done', resolve)
      this.torrent.once('error', (err) => reject(err instanceof Error ? err : new Error(err)))
    })
  }

  async bytes(): Promise<Uint8Array<ArrayBuffer>> {
    const file = this.torrent.files[0]
    if (!file) throw new Error('segment torrent has no file')
    return new Uint8Array(await file.arrayBuffer())
  }

  destroy(): void {
    if (!this.torrent.destroyed) this.torrent.destroy({ destroyStore: true })
  }

  private onWire(wire: Wire): void {
    const fromHttp = wire.type === 'webSeed'
    wire.on('download', (bytes) => {
      if (!fromHttp) return
      this.httpBytes += bytes
      this.hooks.httpBytes(bytes)
    })
    wire.on('upload', (bytes) => this.hooks.uploaded(bytes))
    wire.on('piece', (index, _offset, block) => {
      let set = this.contributors.get(index)
      if (!set) this.contributors.set(index, (set = new Set()))
      set.add(wire)
      if (!fromHttp) this.unverifiedPeerBytes.set(index, (this.unverifiedPeerBytes.get(index) ?? 0) + block.length)
    })
    // WebTorrent unchokes every interested peer; with upload off this viewer never does.
    if (!this.canUpload && !fromHttp) wire.unchoke = () => {}
  }

  private onVerified(index: number): void {
    this.contributors.delete(index)
    const bytes = this.unverifiedPeerBytes.get(index) ?? 0
    this.unverifiedPeerBytes.delete(index)
    if (bytes === 0) return
    this.peerBytes += bytes
    this.hooks.peerBytes(bytes)
  }

  private onWarning(warning: Error | string): void {
    const match = FAILED_PIECE.exec(typeof warning === 'string' ? warning : warning.message)
    if (!match) return
    const piece = Number(match[1])
    const culprits = this.contributors.get(piece) ?? new Set<Wire>()
    this.contributors.delete(piece)
    this.unverifiedPeerBytes.delete(piece)
    const neighbours: string[] = []
    for (const [id, stream] of this.channels) {
      const wire = this.torrent._peers.get(id)?.wire
      if (wire && culprits.has(wire)) neighbours.push(stream.remoteAddress)
    }
    this.rejectedAny = true
    this.hooks.badPiece(piece, neighbours)
  }
}
