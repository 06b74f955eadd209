import { infoHashOfChannel, segmentChannelLabel } from '../../protocol/mesh.js'
import { encodeControlMessage, parseControlMessage, type ControlMessage } from '../../protocol/mesh-control.js'
import type { MeshPort } from '../core/ports.js'
import { captureEarlyMessages } from './channel-stream.js'
import { TrackerLink } from './tracker-link.js'

/**
 * A simple-peer connection as bittorrent-tracker's client hands it out (@thaunknown/simple-peer 10.1, checked
 * against 10.1.2). Its one internal used here, `_pc`, is checked on every connection (see onConnected).
 */
export interface SimplePeer {
  id: string
  initiator: boolean
  connected: boolean
  destroyed: boolean
  /** simple-peer's RTCPeerConnection: extra data channels are opened on it (no public accessor exists). */
  _pc: RTCPeerConnection | null
  once(event: 'connect' | 'close', cb: () => void): void
  on(event: 'error', cb: (err: Error) => void): void
  on(event: 'data', cb: (data: Uint8Array | string) => void): void
  send(data: string): void
  destroy(err?: Error): void
}

/** One other viewer, connected for the whole stream. */
export interface Neighbour {
  id: string
  /** Whether this side opens the per-segment channels (the side that made the WebRTC offer). */
  opensChannels: boolean
  connection: RTCPeerConnection
  peer: SimplePeer
}

export interface MeshOptions {
  /** WebSocket trackers to meet other viewers through: all of them at once, so one that is down costs nothing. */
  trackerUrls: string[]
  /** The mesh swarm announced on them (the viewer's shard, see protocol/mesh-shards.ts). */
  swarm: string
  peerId: string
  maxNeighbours: number
  iceServers: RTCIceServer[]
  iceTransportPolicy: RTCIceTransportPolicy
  onNeighbour: (neighbour: Neighbour) => void
  onNeighbourGone: (neighbour: Neighbour) => void
  /** A neighbour opened a segment channel (label names the segment's infohash). */
  onChannel: (neighbour: Neighbour, infoHash: string, channel: RTCDataChannel) => void
  /** A well-formed control message from a neighbour (anything else is dropped, see protocol/mesh-control.ts). */
  onControl: (from: string, message: ControlMessage) => void
}

/**
 * The viewers' mesh: peers found through the shard's trackers on its swarm, one WebRTC connection each, kept
 * for the whole stream. Segment wires run on extra data channels of these connections, so a new segment's swarm
 * is joined in one round trip instead of a fresh ICE/DTLS setup (seconds) per segment.
 */
export class Mesh implements MeshPort {
  private readonly neighbours = new Map<string, Neighbour>()
  /** The swarm's size as each tracker last counted it. */
  private readonly audienceSizes = new Map<string, number>()
  private readonly banned = new Set<string>()
  /** Segment channels a peer opened before this side's simple-peer said 'connect' (see holdEarlyChannels). */
  private readonly earlyChannels = new WeakMap<SimplePeer, RTCDataChannel[]>()
  private readonly trackers: TrackerLink[]

  constructor(private readonly options: MeshOptions) {
    this.trackers = options.trackerUrls.map(
      (trackerUrl) =>
        new TrackerLink({
          trackerUrl,
          swarm: options.swarm,
          peerId: options.peerId,
          rtcConfig: { iceServers: options.iceServers, iceTransportPolicy: options.iceTransportPolicy },
          numwant: () => this.numwant(trackerUrl),
          onPeer: (peer) => this.onPeer(peer),
          onAudience: (count) => this.audienceSizes.set(trackerUrl, count),
        }),
    )
  }

  start(): void {
    for (const tracker of this.trackers) tracker.start()
  }

  get size(): number {
    return this.neighbours.size
  }

  get selfId(): string {
    return this.options.peerId
  }

  neighbourIds(): string[] {
    return [...this.neighbours.keys()]
  }

  /** Every viewer announces to every tracker, so the largest count is the audience (a tracker down counts less). */
  audience(): number | null {
    return this.audienceSizes.size > 0 ? Math.max(...this.audienceSizes.values()) : null
  }

  send(to: string, message: ControlMessage): void {
    const neighbour = this.neighbours.get(to)
    if (!neighbour || neighbour.peer.destroyed) return
    try {
      neighbour.peer.send(encodeControlMessage(message))
    } catch (err) {
      console.debug('live-torrent mesh: cannot send to a neighbour', err)
    }
  }

  all(): Neighbour[] {
    return [...this.neighbours.values()]
  }

  /** Opens the wire channel of a segment to a neighbour. */
  openChannel(neighbour: Neighbour, infoHash: string): RTCDataChannel {
    return neighbour.connection.createDataChannel(segmentChannelLabel(infoHash))
  }

  /**
   * Disconnects a neighbour that misbehaved and refuses it for the rest of the session. Returns false if it was
   * banned already: pieces from it still in flight fail after the ban, and it must be counted as dropped once.
   */
  ban(neighbourId: string): boolean {
    if (this.banned.has(neighbourId)) return false
    this.banned.add(neighbourId)
    this.neighbours.get(neighbourId)?.peer.destroy()
    return true
  }

  destroy(): void {
    for (const tracker of this.trackers) tracker.destroy()
    for (const neighbour of this.neighbours.values()) neighbour.peer.destroy()
    this.neighbours.clear()
  }

  /**
   * How many offers an announce to this tracker sends: up to maxNeighbours, but no more than the viewers of the
   * swarm (as the tracker last counted it, this one included) this viewer is not connected to yet. Why: every
   * offer is an RTCPeerConnection that gathers candidates and lives until its 50 s timeout, and the tracker hands
   * it to a viewer that also sets up a connection to answer it. In a swarm where everyone is already connected,
   * those were 5 pointless connections per viewer every 10 s (bittorrent-tracker 11's client sends at most 5
   * offers per announce), on the main thread that also serves the player.
   */
  private numwant(trackerUrl: string): number {
    const others = (this.audienceSizes.get(trackerUrl) ?? Infinity) - 1
    return Math.max(0, Math.min(this.options.maxNeighbours, others) - this.neighbours.size)
  }

  private onPeer(peer: SimplePeer): void {
    if (this.banned.has(peer.id) || this.neighbours.size >= this.options.maxNeighbours) return peer.destroy()
    // A neighbour's later offers and answers (every re-announce makes some) would each connect again, and the keyed
    // choice in onConnected replaces the working connection about half the time, closing all its wires mid-piece.
    // Keep the connection that works. (Found by test/bad-peer.test.ts: with a re-announce every 2 s, the victim
    // went through several connections to its one neighbour before a wire stayed up long enough to exchange a piece.)
    const existing = this.neighbours.get(peer.id)
    if (existing && !existing.peer.destroyed) return peer.destroy()
    this.holdEarlyChannels(peer)
    peer.on('error', (err) => console.debug('live-torrent mesh: neighbour error', err.message))
    if (peer.connected) this.onConnected(peer)
    else peer.once('connect', () => this.onConnected(peer))
  }

  private onConnected(peer: SimplePeer): void {
    // A second connection to a neighbour (from a re-announce) may still be setting up when the first is banned.
    if (this.banned.has(peer.id)) return peer.destroy()
    if (peer.destroyed) return
    const existing = this.neighbours.get(peer.id)
    if (existing && !this.keepNewer(existing.peer, peer)) return peer.destroy()
    if (existing) existing.peer.destroy()
    if (this.neighbours.size >= this.options.maxNeighbours && !existing) return peer.destroy()
    if (!peer._pc) {
      console.error('live-torrent mesh: simple-peer has no _pc (see adapters/mesh.ts); the mesh cannot open segment channels')
      return peer.destroy()
    }
    const neighbour: Neighbour = { id: peer.id, opensChannels: peer.initiator, connection: peer._pc, peer }
    // simple-peer only listens for its own first channel; after 'connect' every new channel is a segment wire.
    neighbour.connection.ondatachannel = (event) => this.onDataChannel(neighbour, event.channel)
    this.neighbours.set(peer.id, neighbour)
    peer.once('close', () => this.onClosed(neighbour))
    const text = new TextDecoder()
    peer.on('data', (data) => {
      const message = parseControlMessage(typeof data === 'string' ? data : text.decode(data))
      if (message && this.neighbours.get(peer.id) === neighbour) this.options.onControl(peer.id, message)
    })
    this.options.onNeighbour(neighbour)
    for (const channel of this.earlyChannels.get(peer) ?? []) this.onDataChannel(neighbour, channel)
    this.earlyChannels.delete(peer)
  }

  /**
   * The offering side often sees 'connect' first and opens segment channels at once, while simple-peer on this
   * side still waits for its own 'connect' (it looks up the candidate pair first). Until then simple-peer's
   * ondatachannel takes any channel as its own: the early segment channels were lost (no wire for those segments
   * with that neighbour) and simple-peer's own channel was replaced by one of them, whose close later tore the
   * whole connection down. Segment channels are held back here and handed over in onConnected. (Found by
   * test/bad-peer.test.ts: now and then the victim got no piece from its neighbour for seconds after connecting.)
   */
  private holdEarlyChannels(peer: SimplePeer): void {
    const connection = peer._pc
    if (!connection) return
    const early: RTCDataChannel[] = []
    this.earlyChannels.set(peer, early)
    const simplePeerHandler = connection.ondatachannel
    connection.ondatachannel = (event) => {
      if (infoHashOfChannel(event.channel.label) !== null) {
        captureEarlyMessages(event.channel)
        early.push(event.channel)
      } else simplePeerHandler?.call(connection, event)
    }
  }

  /**
   * Two viewers may reach each other twice (each answered the other's offer, or one offer per announce). Both
   * sides must keep the same connection, whatever order they saw them in: the one whose offer sorts first by
   * (offerer's peer id, the offer's ICE ufrag), both of which each side knows.
   */
  private keepNewer(existing: SimplePeer, candidate: SimplePeer): boolean {
    if (existing.destroyed) return true
    return this.offerKey(candidate) < this.offerKey(existing)
  }

  private offerKey(peer: SimplePeer): string {
    const offer = peer.initiator ? peer._pc?.localDescription : peer._pc?.remoteDescription
    const ufrag = /a=ice-ufrag:(\S+)/.exec(offer?.sdp ?? '')?.[1] ?? ''
    return `${peer.initiator ? this.options.peerId : peer.id}:${ufrag}`
  }

  private onClosed(neighbour: Neighbour): void {
    if (this.neighbours.get(neighbour.id) !== neighbour) return
    this.neighbours.delete(neighbour.id)
    this.options.onNeighbourGone(neighbour)
  }

  private onDataChannel(neighbour: Neighbour, channel: RTCDataChannel): void {
    const infoHash = infoHashOfChannel(channel.label)
    if (infoHash) this.options.onChannel(neighbour, infoHash, channel)
    else channel.close()
  }
}
