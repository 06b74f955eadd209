import { readFileSync } from 'node:fs'
// The server's own entry point: the package root also loads the client, whose WebRTC polyfill dlopens
// node-datachannel (a native addon with OpenSSL 1.1.1 inside) into the origin for nothing (docs/RELIABILITY.md).
import TrackerServer from 'bittorrent-tracker/server'
import type { WebSocket, WebSocketServer } from 'ws'

/**
 * Everything this project needs of bittorrent-tracker's server beyond its documented options, in one place.
 * Checked against bittorrent-tracker 11.2.3 (server.js, lib/server/swarm.js) with lru 3.1.0 for its peer lists.
 * `assertLibraryShape` runs when a tracker starts and throws if an internal used here is gone, so an upgrade
 * that changes them fails at once instead of quietly letting unchecked messages through.
 *
 * The internals:
 * - `_onWebSocketRequest(socket, opts, rawMessage)`: where every WebSocket message enters (called through a
 *   per-socket closure, so an instance property takes effect). Replaced to check each message first.
 * - `getSwarm(infoHash, cb)` / `createSwarm(infoHash, cb)`: answer on `process.nextTick`, and the rest of an
 *   announce (relaying offers, answers, the reply) runs inside their callbacks, out of reach of a try/catch
 *   around the message handler. Wrapped so that a throw there is caught instead of ending the process.
 * - `torrents`: the swarms by hex infohash; the library never deletes one.
 * - `socket.infoHashes`: the hex infohashes a WebSocket is in (set on connection, null once closed).
 * - a swarm's `peers`: an lru cache (`length`, `keys`, `remove`).
 */
export const CHECKED_VERSION = '11.2.3'

export interface LibrarySwarm {
  peers: { length: number; keys: string[]; remove(key: string): void }
}

export type LibrarySocket = WebSocket & { infoHashes?: string[] | null }

interface ServerInternals {
  ws: WebSocketServer | null
  torrents: Record<string, LibrarySwarm>
  _onWebSocketRequest(socket: LibrarySocket, opts: object, raw: unknown): void
  getSwarm(infoHash: string, cb: (...args: unknown[]) => void): void
  createSwarm(infoHash: string, cb: (...args: unknown[]) => void): void
  close(cb: () => void): void
  on(event: 'warning' | 'error', listener: (err: Error) => void): void
}

export interface LibraryOptions {
  announceIntervalMs: number
  maxMessageBytes: number
  filter: (infoHashHex: string) => Error | null
  /** Every message, before the library parses it; return the JSON the library should see, or null to drop it. */
  screen: (socket: LibrarySocket, raw: unknown) => string | null
  /** Something threw inside the library's handling of a message. */
  onThrow: (err: unknown, socket: LibrarySocket | null) => void
  onWarning: (err: Error) => void
}

export class LibraryShapeError extends Error {}

/** bittorrent-tracker's server, WebSocket only, with every entry point checked and guarded. */
export class GuardedTrackerServer {
  private readonly server: ServerInternals

  constructor(options: LibraryOptions) {
    const server = new TrackerServer({
      http: false,
      udp: false,
      stats: false,
      ws: { noServer: true, maxPayload: options.maxMessageBytes } as { noServer: boolean },
      interval: options.announceIntervalMs,
      filter: (infoHash, _params, cb) => cb(options.filter(infoHash)),
    }) as unknown as ServerInternals
    assertLibraryShape(server)
    this.server = server
    server.on('warning', options.onWarning)
    server.on('error', options.onWarning)
    const handle = server._onWebSocketRequest
    server._onWebSocketRequest = (socket, opts, raw) => {
      try {
        const json = options.screen(socket, raw)
        if (json !== null) handle.call(server, socket, opts, json)
      } catch (err) {
        options.onThrow(err, socket)
      }
    }
    for (const name of ['getSwarm', 'createSwarm'] as const) {
      const method = server[name]
      server[name] = (infoHash, cb) => method.call(server, infoHash, guard(cb, options.onThrow))
    }
  }

  get wss(): WebSocketServer {
    return this.server.ws!
  }

  /** Hex infohashes of the swarms a socket is in. */
  swarmsOf(socket: LibrarySocket): readonly string[] {
    return socket.infoHashes ?? []
  }

  /** Forgets a swarm and takes it off every socket's list. */
  deleteSwarm(infoHash: string, sockets: Iterable<LibrarySocket>): void {
    delete this.server.torrents[infoHash]
    for (const socket of sockets) {
      if (socket.infoHashes) socket.infoHashes = socket.infoHashes.filter((hash) => hash !== infoHash)
    }
  }

  /** Peers in one swarm now (0 for a swarm the library does not have). */
  peersIn(infoHash: string): number {
    return this.server.torrents[infoHash]?.peers.length ?? 0
  }

  get swarmCount(): number {
    return Object.keys(this.server.torrents).length
  }

  get peerCount(): number {
    return Object.values(this.server.torrents).reduce((sum, swarm) => sum + swarm.peers.length, 0)
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()))
  }
}

function guard(cb: (...args: unknown[]) => void, onThrow: (err: unknown, socket: null) => void): (...args: unknown[]) => void {
  return (...args) => {
    try {
      cb(...args)
    } catch (err) {
      onThrow(err, null)
    }
  }
}

export function assertLibraryShape(server: ServerInternals): void {
  const version = installedVersion()
  const problems: string[] = []
  if (version.split('.')[0] !== CHECKED_VERSION.split('.')[0]) problems.push(`version ${version}, checked against ${CHECKED_VERSION}`)
  for (const name of ['_onWebSocketRequest', 'getSwarm', 'createSwarm', 'onWebSocketConnection'] as const) {
    if (typeof (server as unknown as Record<string, unknown>)[name] !== 'function') problems.push(`no ${name}()`)
  }
  if (typeof server.torrents !== 'object' || server.torrents === null) problems.push('no torrents map')
  if (!server.ws) problems.push('no WebSocket server')
  if (problems.length)
    throw new LibraryShapeError(`bittorrent-tracker no longer has what src/tracker/library-adapter.ts relies on: ${problems.join('; ')}`)
}

/** The installed version (its package.json is not exported; index.js sits beside it). */
function installedVersion(): string {
  const manifest = new URL('./package.json', import.meta.resolve('bittorrent-tracker'))
  return (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version
}
