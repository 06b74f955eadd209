import type { IncomingMessage } from 'node:http'
import type { Duplex } from 'node:stream'
import type { Logger } from 'pino'
import type { Registry } from 'prom-client'
import { MESH_INFOHASH } from '../protocol/mesh.js'
import { resolveTrackerConfig, type TrackerConfig } from './config.js'
import { GuardedTrackerServer, type LibrarySocket } from './library-adapter.js'
import { TrackerMetrics } from './metrics.js'
import { PeerIdRegistry, SocketGuard, type Refusal } from './socket-guard.js'
import { parseTrackerMessage, type TrackerMessage } from './wire-message.js'

export interface TrackerOptions {
  /**
   * Which segment swarms to admit (the viewers' mesh is always admitted, see protocol/mesh.ts). An origin admits
   * only the infohashes it publishes; default: any.
   */
  isPublished?: (infoHash: string) => boolean
  config?: Partial<TrackerConfig>
  logger: Logger
  /** Where the tracker's metrics go. */
  registry: Registry
  /** The clock of the rate limits (ms). */
  now?: () => number
}

interface Connection {
  guard: SocketGuard
  alive: boolean
  /** The first refusal of a connection is logged at warn, the rest at debug: a flood must not flood the log. */
  warned: boolean
}

/**
 * The WebTorrent tracker (bittorrent-tracker's server, WebSocket only), attached to an HTTP server's upgrade at
 * /announce. Every message is checked before the library sees it (wire-message.ts, socket-guard.ts), whatever
 * still throws inside the library is caught, logged and counted, and each connection is bounded in size, rate and
 * swarms. It is not an open relay: unknown infohashes are refused, and a segment's swarm is removed when the
 * segment is dropped. Browser viewers meet in one mesh swarm (MESH_INFOHASH) and run segment wires over those
 * connections; stock BitTorrent clients use the segment swarms.
 */
export class Tracker {
  readonly config: TrackerConfig
  readonly metrics: TrackerMetrics
  private readonly server: GuardedTrackerServer
  private readonly connections = new Map<LibrarySocket, Connection>()
  private readonly peerIds = new PeerIdRegistry()
  private readonly heartbeat: NodeJS.Timeout
  private readonly now: () => number

  constructor(private readonly options: TrackerOptions) {
    this.config = resolveTrackerConfig(options.config)
    this.metrics = new TrackerMetrics(options.registry)
    this.now = options.now ?? Date.now
    const isPublished = options.isPublished ?? (() => true)
    this.server = new GuardedTrackerServer({
      announceIntervalMs: this.config.announceIntervalMs,
      maxPeersPerSwarm: this.config.maxPeersPerSwarm,
      maxMessageBytes: this.config.maxMessageBytes,
      filter: (infoHash) =>
        infoHash === MESH_INFOHASH || isPublished(infoHash)
          ? null
          : new Error('unknown infohash: this tracker only serves segments published by its origin'),
      screen: (socket, raw) => this.screen(socket, raw),
      onThrow: (err, socket) => this.onThrow(err, socket),
      onWarning: (err) => options.logger.debug({ err: err.message }, 'tracker warning'),
    })
    this.heartbeat = setInterval(() => this.checkHeartbeats(), this.config.heartbeatMs)
    this.heartbeat.unref()
  }

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    if (this.connections.size >= this.config.maxSockets) {
      this.metrics.closed.inc({ reason: 'capacity' })
      socket.end('HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n')
      return
    }
    const wss = this.server.wss
    wss.handleUpgrade(req, socket, head, (ws: LibrarySocket) => {
      const connection: Connection = { guard: new SocketGuard(this.config, this.peerIds, this.now), alive: true, warned: false }
      this.connections.set(ws, connection)
      this.metrics.sockets.set(this.connections.size)
      ws.on('pong', () => (connection.alive = true))
      ws.on('close', () => {
        connection.guard.release()
        this.connections.delete(ws)
        this.metrics.sockets.set(this.connections.size)
      })
      wss.emit('connection', ws, req)
    })
  }

  /** Forgets the swarm of a segment that is no longer published. */
  prune(infoHash: string): void {
    this.server.deleteSwarm(infoHash, this.connections.keys())
  }

  get swarmCount(): number {
    return this.server.swarmCount
  }

  get peerCount(): number {
    return this.server.peerCount
  }

  /** Brings the gauges up to date (before /metrics is read). */
  updateGauges(): void {
    this.metrics.swarms.set(this.swarmCount)
    this.metrics.peers.set(this.peerCount)
    this.metrics.sockets.set(this.connections.size)
  }

  close(): Promise<void> {
    clearInterval(this.heartbeat)
    for (const socket of this.connections.keys()) socket.terminate()
    return this.server.close()
  }

  /** The JSON bittorrent-tracker may see for this message, or null when it is refused here. */
  private screen(socket: LibrarySocket, raw: unknown): string | null {
    const connection = this.connections.get(socket)
    // Messages still buffered when this side began to close the connection are dropped unread.
    if (!connection || socket.readyState !== socket.OPEN) return null
    const parsed = parseTrackerMessage(raw as Buffer, this.config)
    if (!parsed.ok) {
      this.refuse(socket, connection, connection.guard.refuseUnreadable(parsed.reason), null)
      return null
    }
    const verdict = connection.guard.check(parsed.message, { swarms: () => this.server.swarmsOf(socket) })
    if (verdict.ok) return this.withinMinSwarm(socket, parsed.message, parsed.json)
    const infoHash = parsed.message.action === 'announce' ? parsed.message.info_hash : null
    this.refuse(socket, connection, verdict, infoHash)
    return null
  }

  /** The message without its offers while its swarm (this peer counted) is smaller than `minSwarm`. */
  private withinMinSwarm(socket: LibrarySocket, message: TrackerMessage, json: string): string {
    if (this.config.minSwarm <= 1 || message.action !== 'announce' || !message.offers?.length) return json
    const hash = Buffer.from(message.info_hash, 'latin1').toString('hex')
    const joined = this.server.swarmsOf(socket).includes(hash)
    const peers = this.server.peersIn(hash) + (joined ? 0 : 1)
    if (peers >= this.config.minSwarm) return json
    this.metrics.withheldOffers.inc(message.offers.length)
    const { offers: _withheld, ...rest } = JSON.parse(json) as Record<string, unknown>
    return JSON.stringify({ ...rest, numwant: 0 })
  }

  private refuse(socket: LibrarySocket, connection: Connection, verdict: Refusal, infoHash: string | null): void {
    this.metrics.refused.inc({ reason: verdict.kind })
    const level = connection.warned ? 'debug' : 'warn'
    connection.warned = true
    this.options.logger[level]({ reason: verdict.reason, closing: verdict.close }, 'tracker refused a message')
    // A reply without `action` makes bittorrent-tracker's client drop the connection and reconnect minutes later.
    const reply: Record<string, string> = { action: 'announce', 'failure reason': verdict.reason }
    if (infoHash) reply.info_hash = infoHash
    socket.send(JSON.stringify(reply))
    if (verdict.close) {
      this.metrics.closed.inc({ reason: 'violations' })
      socket.close(1008, 'too many refused messages')
    }
  }

  private onThrow(err: unknown, socket: LibrarySocket | null): void {
    this.metrics.caught.inc()
    const error = err instanceof Error ? err : new Error(String(err))
    this.options.logger.error({ err: error.message, stack: error.stack }, 'tracker: bittorrent-tracker threw while handling a message')
    // The library's state for that connection may be half-updated: start it afresh.
    if (socket) {
      this.metrics.closed.inc({ reason: 'error' })
      socket.terminate()
    }
  }

  private checkHeartbeats(): void {
    for (const [socket, connection] of this.connections) {
      if (!connection.alive) {
        this.metrics.closed.inc({ reason: 'heartbeat' })
        socket.terminate()
        continue
      }
      connection.alive = false
      socket.ping()
    }
  }
}
