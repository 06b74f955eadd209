import type { TrackerConfig } from './config.js'
import type { TrackerMessage } from './wire-message.js'

/** What the guard needs to know of a connection's swarms: bittorrent-tracker keeps that list (see the adapter). */
export interface SocketSwarms {
  /** Infohashes (hex) the connection is in now. */
  swarms(): readonly string[]
}

/** Why a message was refused, as a bounded label for metrics. */
export type RefusalKind = 'malformed' | 'rate' | 'peer_id' | 'swarm_limit' | 'answer'

export interface Refusal {
  ok: false
  kind: RefusalKind
  reason: string
  /** The connection broke the rules too often: close it. */
  close: boolean
}

export type Verdict = { ok: true } | Refusal

type Limits = Pick<TrackerConfig, 'messagesPerSecond' | 'messageBurst' | 'maxSwarmsPerSocket' | 'maxViolationsPerSocket'>

/**
 * The per-connection rules, over messages that already passed the wire check: a rate limit (token bucket), one
 * peer id per connection and no peer id held by two connections (else anyone who saw a peer id in a relayed
 * offer could send `stopped` in its name and take it out of its swarms), a bound on swarms per connection, and
 * answers only within a swarm the connection has joined. A connection that keeps breaking them is closed.
 */
export class SocketGuard {
  private tokens: number
  private refilledAt: number
  private peerId: string | null = null
  private violations = 0

  constructor(
    private readonly limits: Limits,
    private readonly peerIds: PeerIdRegistry,
    private readonly now: () => number,
  ) {
    this.tokens = limits.messageBurst
    this.refilledAt = now()
  }

  /** A message that failed its wire check still counts against the rate and the violations. */
  refuseUnreadable(reason: string): Refusal {
    if (!this.takeToken()) return this.refuse('rate', 'too many messages: slow down')
    return this.refuse('malformed', reason)
  }

  check(message: TrackerMessage, socket: SocketSwarms): Verdict {
    if (!this.takeToken()) return this.refuse('rate', 'too many messages: slow down')
    if (message.action === 'scrape') return { ok: true }
    if (this.peerId === null) {
      if (!this.peerIds.claim(message.peer_id, this)) return this.refuse('peer_id', 'peer_id is in use by another connection')
      this.peerId = message.peer_id
    } else if (message.peer_id !== this.peerId) {
      return this.refuse('peer_id', 'peer_id differs from the one this connection announced with')
    }
    const hash = Buffer.from(message.info_hash, 'latin1').toString('hex')
    const joined = socket.swarms().includes(hash)
    if (message.answer && !joined) return this.refuse('answer', 'answer for a swarm this connection has not joined')
    if (!joined && message.event !== 'stopped' && socket.swarms().length >= this.limits.maxSwarmsPerSocket)
      return this.refuse('swarm_limit', `more than ${this.limits.maxSwarmsPerSocket} swarms on one connection`)
    return { ok: true }
  }

  /** The connection closed: its peer id is free again. */
  release(): void {
    if (this.peerId !== null) this.peerIds.release(this.peerId, this)
    this.peerId = null
  }

  private refuse(kind: RefusalKind, reason: string): Refusal {
    this.violations++
    return { ok: false, kind, reason, close: this.violations > this.limits.maxViolationsPerSocket }
  }

  private takeToken(): boolean {
    const now = this.now()
    const elapsedSeconds = Math.max(0, now - this.refilledAt) / 1000
    this.refilledAt = now
    this.tokens = Math.min(this.limits.messageBurst, this.tokens + elapsedSeconds * this.limits.messagesPerSecond)
    if (this.tokens < 1) return false
    this.tokens -= 1
    return true
  }
}

/** Which connection holds each peer id. */
export class PeerIdRegistry {
  private readonly holders = new Map<string, SocketGuard>()

  claim(peerId: string, holder: SocketGuard): boolean {
    const current = this.holders.get(peerId)
    if (current && current !== holder) return false
    this.holders.set(peerId, holder)
    return true
  }

  release(peerId: string, holder: SocketGuard): void {
    if (this.holders.get(peerId) === holder) this.holders.delete(peerId)
  }

  get size(): number {
    return this.holders.size
  }
}
