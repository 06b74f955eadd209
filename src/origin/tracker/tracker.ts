import type { IncomingMessage } from 'node:http'
import type { Duplex } from 'node:stream'
import { Server as TrackerServer } from 'bittorrent-tracker'
import type { Logger } from 'pino'
import type { WebSocket } from 'ws'
import { MESH_INFOHASH } from '../../protocol/mesh.js'

export interface TrackerOptions {
  /** Admit only swarms of infohashes this origin publishes (and the viewers' mesh, see protocol/mesh.ts). */
  isPublished: (infoHash: string) => boolean
  /** Announce interval told to clients (ms). bittorrent-tracker tells WebSocket clients a fifth of it. */
  announceIntervalMs: number
  logger: Logger
}

type TrackedSocket = WebSocket & { infoHashes?: string[] }

/**
 * The built-in WebTorrent tracker (bittorrent-tracker's server, WebSocket only), attached to the origin's HTTP
 * server at /announce. It is not an open relay: unknown infohashes are refused, and a segment's swarm is removed
 * when the segment is dropped (the library never deletes swarms itself). Browser viewers meet in one mesh swarm
 * (MESH_INFOHASH) and run segment wires over those connections; stock BitTorrent clients use the segment swarms.
 */
export class Tracker {
  private readonly server: TrackerServer
  private readonly sockets = new Set<TrackedSocket>()

  constructor(options: TrackerOptions) {
    this.server = new TrackerServer({
      http: false,
      udp: false,
      stats: false,
      ws: { noServer: true },
      interval: options.announceIntervalMs,
      filter: (infoHash, _params, cb) => {
        if (infoHash === MESH_INFOHASH || options.isPublished(infoHash)) cb(null)
        else cb(new Error('unknown infohash: this tracker only serves segments published by its origin'))
      },
    })
    this.server.on('warning', (err: Error) => options.logger.debug({ err: err.message }, 'tracker warning'))
    this.server.on('error', (err: Error) => options.logger.warn({ err: err.message }, 'tracker error'))
  }

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const wss = this.server.ws!
    wss.handleUpgrade(req, socket, head, (ws: TrackedSocket) => {
      this.sockets.add(ws)
      ws.on('close', () => this.sockets.delete(ws))
      wss.emit('connection', ws, req)
    })
  }

  /** Forgets the swarm of a segment that is no longer published. */
  prune(infoHash: string): void {
    delete this.server.torrents[infoHash]
    for (const socket of this.sockets) {
      if (socket.infoHashes) socket.infoHashes = socket.infoHashes.filter((hash) => hash !== infoHash)
    }
  }

  get swarmCount(): number {
    return Object.keys(this.server.torrents).length
  }

  get peerCount(): number {
    return Object.values(this.server.torrents).reduce((sum, swarm) => sum + swarm.peers.length, 0)
  }

  close(): Promise<void> {
    for (const socket of this.sockets) socket.terminate()
    return new Promise((resolve) => this.server.close(() => resolve()))
  }
}
