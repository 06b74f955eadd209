import WebTorrent from 'webtorrent/dist/webtorrent.min.js'
import type { AnnouncedSegment } from '../protocol/playlist-magnets.js'
import { segmentKey } from '../protocol/playlist-magnets.js'
import { ChannelStream } from './channel-stream.js'
import type { Mesh, Neighbour } from './mesh.js'
import { SegmentSwarm, type SwarmHooks } from './segment-swarm.js'

/** A channel a neighbour opened for a segment this viewer has not heard of yet is kept this long (ms). */
const PENDING_CHANNEL_MS = 20_000
/**
 * A segment its playlist no longer lists is dropped this long after it was last listed (ms): players only ask for
 * listed segments, and other viewers' playlists may lag ours by a refresh or two.
 */
const UNLISTED_GRACE_MS = 12_000

interface Entry {
  segment: AnnouncedSegment
  playlistUrl: string
  /** Every key (URL + range) that names these bytes: a looped stream republishes a segment under a new URL. */
  keys: Set<string>
  /** When a playlist last listed it (Date.now()). */
  listedAt: number
  swarm: Promise<SegmentSwarm>
  /** Set once the torrent is added. */
  ready: SegmentSwarm | null
  busy: number
}

export interface SwarmBookOptions {
  client: WebTorrent
  mesh: Mesh
  keepSegments: number
  canUpload: boolean
  hooksFor: (infoHash: string) => SwarmHooks
  /** The number of segments held changed. */
  onHeld: (segments: number) => void
}

/**
 * The segments this viewer knows of, each with its swarm: added from the origin's .torrent as soon as a playlist
 * lists the segment (no metadata wait), wired to every neighbour on its own data channel, and removed from the
 * WebTorrent client once its playlist stops listing it, or when more than `keepSegments` newer ones exist in the
 * same playlist (bounded memory).
 */
export class SwarmBook {
  /** By key; several keys may share one entry. */
  private readonly entries = new Map<string, Entry>()
  /** By infohash, least recently announced first. */
  private readonly byInfoHash = new Map<string, Entry>()
  /** A number per neighbour connection, for wire ids (see stream()). */
  private readonly connectionIds = new WeakMap<RTCPeerConnection, number>()
  private nextConnectionId = 0
  private readonly pendingChannels = new Map<string, { neighbour: Neighbour; channel: RTCDataChannel; at: number }[]>()

  constructor(private readonly options: SwarmBookOptions) {}

  /** Joins the swarms of segments a playlist lists, and forgets the ones it has moved past. */
  announce(playlistUrl: string, segments: AnnouncedSegment[]): void {
    for (const segment of segments) {
      const key = segmentKey(segment.url, segment.byteRange)
      const known = this.byInfoHash.get(segment.magnet.infoHash)
      if (known) {
        known.keys.add(key)
        known.playlistUrl = playlistUrl
        known.listedAt = Date.now()
        this.entries.set(key, known)
        this.byInfoHash.delete(segment.magnet.infoHash)
        this.byInfoHash.set(segment.magnet.infoHash, known)
        continue
      }
      this.join(segment, key, playlistUrl)
    }
    this.evict(playlistUrl)
  }

  private join(segment: AnnouncedSegment, key: string, playlistUrl: string): void {
    const joining: Omit<Entry, 'swarm'> = { segment, playlistUrl, keys: new Set([key]), listedAt: Date.now(), ready: null, busy: 0 }
    const entry: Entry = Object.assign(joining, { swarm: this.addTorrent(joining) })
    entry.swarm.catch((err: unknown) => {
      console.warn(`live-torrent: cannot join the swarm of ${segment.url}:`, err)
      this.forget(entry)
    })
    this.entries.set(key, entry)
    this.byInfoHash.set(segment.magnet.infoHash, entry)
    this.options.onHeld(this.byInfoHash.size)
  }

  /** The swarm of a segment, for a request of the player; null when no playlist listed it. */
  async acquire(key: string): Promise<{ swarm: SegmentSwarm; release: () => void } | null> {
    const entry = this.entries.get(key)
    if (!entry) return null
    entry.busy++
    try {
      const swarm = await entry.swarm
      return { swarm, release: () => entry.busy-- }
    } catch (err) {
      entry.busy--
      throw err
    }
  }

  has(key: string): boolean {
    return this.entries.has(key)
  }

  /** A new neighbour: open a channel for every known segment (if this side opens them). */
  onNeighbour(neighbour: Neighbour): void {
    if (!neighbour.opensChannels) return
    for (const entry of this.entries.values()) if (entry.ready) this.openChannel(entry.ready, neighbour)
  }

  /** A neighbour opened a channel for a segment. */
  onChannel(neighbour: Neighbour, infoHash: string, channel: RTCDataChannel): void {
    const entry = this.byInfoHash.get(infoHash)
    if (entry?.ready) return entry.ready.addChannel(this.stream(neighbour, infoHash, channel))
    const now = Date.now()
    const list = (this.pendingChannels.get(infoHash) ?? []).filter((pending) => now - pending.at < PENDING_CHANNEL_MS)
    list.push({ neighbour, channel, at: now })
    this.pendingChannels.set(infoHash, list)
    setTimeout(() => this.expirePending(infoHash), PENDING_CHANNEL_MS)
  }

  destroy(): void {
    for (const entry of [...this.byInfoHash.values()]) this.forget(entry)
  }

  private async addTorrent(entry: Omit<Entry, 'swarm'>): Promise<SegmentSwarm> {
    const { magnet } = entry.segment
    const response = await fetch(magnet.torrentUrl)
    if (!response.ok) throw new Error(`.torrent answered ${response.status}`)
    const torrentFile = new Uint8Array(await response.arrayBuffer())
    const torrent = this.options.client.add(torrentFile, { announce: [], destroyStoreOnDestroy: true })
    await new Promise<void>((resolve, reject) => {
      torrent.once('ready', resolve)
      torrent.once('error', (err) => reject(err instanceof Error ? err : new Error(err)))
    })
    if (torrent.infoHash !== magnet.infoHash) throw new Error(`.torrent is for ${torrent.infoHash}, the playlist said ${magnet.infoHash}`)
    const swarm = new SegmentSwarm(torrent, magnet.webSeed, this.options.hooksFor(magnet.infoHash), this.options.canUpload)
    entry.ready = swarm
    for (const neighbour of this.options.mesh.all()) if (neighbour.opensChannels) this.openChannel(swarm, neighbour)
    for (const pending of this.pendingChannels.get(magnet.infoHash) ?? []) {
      if (pending.channel.readyState !== 'closed') swarm.addChannel(this.stream(pending.neighbour, magnet.infoHash, pending.channel))
    }
    this.pendingChannels.delete(magnet.infoHash)
    return swarm
  }

  private openChannel(swarm: SegmentSwarm, neighbour: Neighbour): void {
    try {
      swarm.addChannel(this.stream(neighbour, swarm.infoHash, this.options.mesh.openChannel(neighbour, swarm.infoHash)))
    } catch (err) {
      console.debug('live-torrent: cannot open a channel to a neighbour', err)
    }
  }

  /**
   * The wire id names the connection too. When a neighbour's connection is replaced, the old connection's wires
   * go away asynchronously (channel 'close' events, WebTorrent's peer removal); with the id reused, the new
   * connection's channels for the same segments arrived while the old ids were still registered, and
   * SegmentSwarm.addChannel and WebTorrent's addPeer dropped them as duplicates: the neighbour stayed connected
   * with no wire for those segments at all (found by test/bad-peer.test.ts).
   */
  private stream(neighbour: Neighbour, infoHash: string, channel: RTCDataChannel): ChannelStream {
    let connection = this.connectionIds.get(neighbour.connection)
    if (connection === undefined) this.connectionIds.set(neighbour.connection, (connection = this.nextConnectionId++))
    return new ChannelStream(channel, `${neighbour.id}/${connection}/${infoHash}`, neighbour.id)
  }

  /** Drops the segments a playlist stopped listing, and the oldest beyond `keepSegments`, unless being delivered. */
  private evict(playlistUrl: string): void {
    const unlistedBefore = Date.now() - UNLISTED_GRACE_MS
    const ofPlaylist = [...this.byInfoHash.values()].filter((entry) => entry.playlistUrl === playlistUrl)
    const excess = ofPlaylist.length - this.options.keepSegments
    ofPlaylist.forEach((entry, index) => {
      if (entry.busy === 0 && (index < excess || entry.listedAt < unlistedBefore)) this.forget(entry)
    })
  }

  private forget(entry: Entry): void {
    if (this.byInfoHash.get(entry.segment.magnet.infoHash) !== entry) return
    this.byInfoHash.delete(entry.segment.magnet.infoHash)
    for (const key of entry.keys) if (this.entries.get(key) === entry) this.entries.delete(key)
    entry.swarm.then((swarm) => swarm.destroy()).catch(() => {})
    this.options.onHeld(this.byInfoHash.size)
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
