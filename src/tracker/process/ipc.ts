import type { TrackerConfig } from '../config.js'

/**
 * What the origin and its tracker process tell each other over the IPC channel of `child_process.fork` (JSON
 * serialisation). The channel is private to the two, but each side still checks the shape of what it reads: a
 * message of the wrong shape is ignored and logged, never acted on.
 */

/** The settings the child starts with, passed as its one argument (JSON). */
export interface ChildSettings {
  config: Partial<TrackerConfig>
  /** The origin logger's level; the child logs at the same level. */
  logLevel: string
  /** The mesh swarms of the feed, always admitted. */
  meshSwarms: string[]
}

export type ToChild =
  /** Sent for every published segment once the child listens, then for each new one. */
  | { type: 'publish'; infoHash: string }
  | { type: 'unpublish'; infoHash: string }
  | { type: 'metrics'; id: number }
  /** Liveness: answered with a pong of the same id. */
  | { type: 'ping'; id: number }

export type FromChild =
  /** Its WebSocket server listens on 127.0.0.1 at this port. */
  | { type: 'listening'; port: number }
  /** One pino log line (JSON), to be logged by the origin's logger. */
  | { type: 'log'; line: string }
  | { type: 'metrics'; id: number; text: string }
  | { type: 'pong'; id: number }

export function isToChild(value: unknown): value is ToChild {
  if (!isRecord(value)) return false
  if (value.type === 'publish' || value.type === 'unpublish') return typeof value.infoHash === 'string'
  return (value.type === 'metrics' || value.type === 'ping') && Number.isInteger(value.id)
}

export function isFromChild(value: unknown): value is FromChild {
  if (!isRecord(value)) return false
  switch (value.type) {
    case 'listening':
      return Number.isInteger(value.port) && (value.port as number) > 0 && (value.port as number) < 65536
    case 'log':
      return typeof value.line === 'string'
    case 'metrics':
      return Number.isInteger(value.id) && typeof value.text === 'string'
    case 'pong':
      return Number.isInteger(value.id)
    default:
      return false
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
