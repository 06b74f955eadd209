import type WebTorrent from 'webtorrent/dist/webtorrent.min.js'
import type { AnnouncedSegment } from '../../protocol/playlist-magnets.js'
import type { PieceTransport, SwarmHandle, SwarmListener } from '../core/ports.js'
import { ChannelStream, captureEarlyMessages } from './channel-stream.js'
import type { Neighbour } from './mesh.js'
import { TorrentSwarm } from './torrent-swarm.js'

/** A channel a neighbour opened for a segment this viewer has not heard of yet is kept this long (ms). */
const PENDING_CHANNEL_MS = 20_000

export interface TransportOptions {
  client: WebTorrent
  canUpload: boolean
  /** Every neighbour connected now. */
  neighbours: () => Neighbour[]
  openChannel: (neighbour: Neighbour, infoHash: string) => RTCDataChannel
}

/**
 * The delivery core's piece transport in the browser: one WebTorrent torrent per segment, wired to every
 * neighbour on a data channel of that neighbour's mesh connection (label = the segment's infohash). The side that
 * made a connection's WebRTC offer opens the channels, so each pair has one wire per segment.
 */
export class WebTorrentTransport implements PieceTransport {
  private readonly swarms = new Map<string, TorrentSwarm>()
  /** Wire ids (see stream()). */
  private nextWireId = 0
  private readonly pendingChannels = new Map<string, { neighbour: Neighbour; channel: RTCDataChannel; at: number }[]>()
  private uploading = true

  constructor(private readonly options: TransportOptions) {}

  setUploading(allowed: boolean): void {
    this.uploading = allowed
    for (const swarm of this.swarms.values()) swarm.uploadingChanged(this.mayUpload())
  }

  private mayUpload(): boolean {
    return this.options.canUpload && this.uploading
  }

  join(segment: AnnouncedSegment, listener: SwarmListener, torrentFile?: Uint8Array): SwarmHandle {
    const infoHash = segment.magnet.infoHash
    const swarm = new TorrentSwarm(segment, listener, () => this.mayUpload())
    this.swarms.get(infoHash)?.leave()
    this.swarms.set(infoHash, swarm)
    void swarm.start(this.options.client, torrentFile).then((torrent) => {
      if (!torrent || this.swarms.get(infoHash) !== swarm) return
      for (const neighbour of this.options.neighbours()) if (neighbour.opensChannels) this.openChannel(swarm, neighbour)
      for (const pending of this.pendingChannels.get(infoHash) ?? []) {
        if (pending.channel.readyState !== 'closed') swarm.addChannel(this.stream(pending.neighbour, infoHash, pending.channel))
      }
      this.pendingChannels.delete(infoHash)
    })
    return {
      get done() {
        return swarm.done
      },
      has: (piece) => swarm.has(piece),
      peersCanHelp: () => swarm.peersCanHelp(),
      putHttpPiece: (piece, bytes) => swarm.putHttpPiece(piece, bytes),
      read: (done) => swarm.read(done),
      leave: () => {
        swarm.leave()
        if (this.swarms.get(infoHash) === swarm) this.swarms.delete(infoHash)
      },
    }
  }

  /** A new neighbour: open a channel for every segment joined (if this side opens them). */
  onNeighbour(neighbour: Neighbour): void {
    if (!neighbour.opensChannels) return
    for (const swarm of this.swarms.values()) if (swarm.torrent) this.openChannel(swarm, neighbour)
  }

  /** A neighbour opened a channel for a segment. */
  onChannel(neighbour: Neighbour, infoHash: string, channel: RTCDataChannel): void {
    const swarm = this.swarms.get(infoHash)
    if (swarm?.torrent) return swarm.addChannel(this.stream(neighbour, infoHash, channel))
    const now = Date.now()
    const list = (this.pendingChannels.get(infoHash) ?? []).filter((pending) => now - pending.at < PENDING_CHANNEL_MS)
    captureEarlyMessages(channel)
    list.push({ neighbour, channel, at: now })
    this.pendingChannels.set(infoHash, list)
    setTimeout(() => this.expirePending(infoHash), PENDING_CHANNEL_MS)
  }

  destroy(): void {
    for (const swarm of this.swarms.values()) swarm.leave()
    this.swarms.clear()
  }

  private openChannel(swarm: TorrentSwarm, neighbour: Neighbour): void {
    try {
      swarm.addChannel(this.stream(neighbour, swarm.infoHash, this.options.openChannel(neighbour, swarm.infoHash)))
    } catch (err) {
      console.debug('live-torrent: cannot open a channel to a neighbour', err)
    }
  }

  /**
   * Every channel gets a wire id of its own. Old wires go away asynchronously (channel 'close' events, WebTorrent's
   * peer removal): with ids reused for the same neighbour and segment, a new channel (a replaced connection, or a
   * neighbour that dropped and joined a segment's swarm again) arrived while the old id was still registered and
   * was dropped as a duplicate, and the neighbour stayed connected with no wire for that segment at all (found by
   * test/bad-peer.test.ts, and on the looped sample, whose segments come back with the same infohash).
   */
  private stream(neighbour: Neighbour, infoHash: string, channel: RTCDataChannel): ChannelStream {
    return new ChannelStream(channel, `${neighbour.id}/${infoHash}/${this.nextWireId++}`, neighbour.id)
  }

  private expirePending(infoHash: string): void {
    const list = this.pendingChannels.get(infoHash)
    if (!list) return
    const now = Date.now()
    const keep = list.filter((pending) => now - pending.at < PENDING_CHANNEL_MS)
    for (const pending of list) if (!keep.includes(pending)) pending.channel.close()
    if (keep.length) this.pendingChannels.set(infoHash, keep)
    else this.pendingChannels.delete(infoHash)
  }
}
