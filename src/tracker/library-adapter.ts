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
 * - a swarm's `peers`: an lru cache (`length`, `keys`, `set`, `remove`, `peek`, its 'evict' event), and
 *   `_getPeers(numwant, ownPeerId, isWebRTC)`, which picks the peers an announce gets: it copies every key
 *   (`Object.keys`) on every announce, so with a swarm as large as a big mesh each announce cost O(peers). Replaced
 *   by a sampler over an index of the swarm's peer ids (indexPeers), with the same rules.
 */
export const CHECKED_VERSION = '11.2.3'

interface LibraryPeer {
  peerId: string
  type: string
}

export interface LibrarySwarm {
  peers: {
    length: number
    keys: string[]
    set(key: string, value: LibraryPeer): unknown
    remove(key: string): unknown
    peek(key: string): LibraryPeer | undefined
    on(event: 'evict', listener: (entry: { key: string }) => void): void
  }
  _getPeers(numwant: number, ownPeerId: string, isWebRTC: boolean): LibraryPeer[]
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
  /** Peers one swarm holds (the library's default is 1,000; it forgets the least recent announcer beyond). */
  maxPeersPerSwarm: number
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
      peersCacheLength: options.maxPeersPerSwarm,
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
      const indexed = name === 'createSwarm' ? indexingNewSwarm : (cb: (...args: unknown[]) => void) => cb
      server[name] = (infoHash, cb) => method.call(server, infoHash, guard(indexed(cb), options.onThrow))
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

/** createSwarm's callback, with the new swarm's peers indexed before the library uses it. */
function indexingNewSwarm(cb: (...args: unknown[]) => void): (...args: unknown[]) => void {
  return (err, swarm) => {
    if (!err && swarm) indexPeers(swarm as LibrarySwarm)
    cb(err, swarm)
  }
}

/**
 * Keeps an array of a swarm's peer ids beside its lru cache (added on set, swap-removed on remove and evict), so
 * that choosing `numwant` random peers samples that array instead of copying every key. The choice follows the
 * library's rules: never the announcer itself, only WebRTC peers for a WebRTC announce.
 */
export function indexPeers(swarm: LibrarySwarm): void {
  const ids: string[] = []
  const position = new Map<string, number>()
  const peers = swarm.peers
  const drop = (id: string) => {
    const at = position.get(id)
    if (at === undefined) return
    const last = ids.pop()!
    if (last !== id) {
      ids[at] = last
      position.set(last, at)
    }
    position.delete(id)
  }
  const set = peers.set.bind(peers)
  const remove = peers.remove.bind(peers)
  peers.set = (id, value) => {
    if (!position.has(id)) position.set(id, ids.push(id) - 1)
    return set(id, value)
  }
  peers.remove = (id) => {
    drop(id)
    return remove(id)
  }
  peers.on('evict', ({ key }) => drop(key))
  swarm._getPeers = (numwant, ownPeerId, isWebRTC) => {
    const chosen = new Map<string, LibraryPeer>()
    // Random picks with a bounded number of tries: a few repeats or skipped peers cost little, a scan costs O(n).
    for (let tries = 0; chosen.size < numwant && chosen.size < ids.length && tries < numwant * 4 + 8; tries++) {
      const id = ids[Math.floor(Math.random() * ids.length)]!
      const peer = peers.peek(id)
      if (!peer || chosen.has(id) || (isWebRTC && peer.peerId === ownPeerId) || isWebRTC !== (peer.type === 'ws')) continue
      chosen.set(id, peer)
    }
    return [...chosen.values()]
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
