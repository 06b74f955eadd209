import type { ControlMessage } from '../protocol/mesh-control.js'
import type { MeshShard } from '../protocol/mesh-shards.js'
import type { ClientConfig } from './config.js'
import type { MeshPort, PieceTransport } from './core/ports.js'

// The page client's port to its P2P stack (implemented by adapters/p2p-stack.ts, which the page script loads as a
// bundle of its own): apart from the implementation so that the page client, and its unit tests, need no WebTorrent.

/** What the stack reports to the delivery core that runs on it. */
export interface P2PStackEvents {
  /** The number of neighbours changed. */
  neighbours(count: number): void
  neighbour(id: string): void
  neighbourGone(id: string): void
  control(from: string, message: ControlMessage): void
}

export interface P2PStackOptions {
  peerId: string
  /** The mesh shard this viewer meets its neighbours in. */
  shard: MeshShard
  config: Pick<ClientConfig, 'uploadLimit' | 'maxNeighbours' | 'iceServers' | 'iceTransportPolicy'>
  events: P2PStackEvents
}

/** The delivery core's P2P ports in a page: WebTorrent's swarms on the neighbour mesh. */
export interface P2PStack {
  transport: PieceTransport
  mesh: MeshPort
  /** Starts meeting neighbours (after the core that handles the events exists). */
  start(): void
  destroy(): void
}

export type StartP2PStack = (options: P2PStackOptions) => P2PStack

/** Loads the P2P stack: the page script fetches it as a bundle of its own (adapters/p2p-script.ts). */
export type P2PStackLoader = () => Promise<StartP2PStack>
