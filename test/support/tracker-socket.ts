import { WebSocket } from 'ws'

export type TrackerReply = Record<string, unknown>

/**
 * A WebSocket to a tracker that speaks the wire protocol by hand (JSON messages), for tests that send what a
 * stock client would not. Every reply is kept; `next` waits for the first one that matches.
 */
export class TrackerSocket {
  readonly replies: TrackerReply[] = []
  /** Replies that were not JSON objects: a tracker must never send one. */
  readonly garbled: string[] = []
  closeCode: number | null = null
  private waiters: Array<() => void> = []

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data: Buffer) => {
      try {
        const reply = JSON.parse(data.toString('utf8')) as unknown
        if (typeof reply === 'object' && reply !== null && !Array.isArray(reply)) this.replies.push(reply as TrackerReply)
        else this.garbled.push(data.toString('utf8'))
      } catch {
        this.garbled.push(data.toString('utf8'))
      }
      this.wake()
    })
    ws.on('close', (code) => {
      this.closeCode = code
      this.wake()
    })
    ws.on('error', () => {})
  }

  static async connect(url: string): Promise<TrackerSocket> {
    const ws = new WebSocket(url)
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve())
      ws.once('error', reject)
    })
    return new TrackerSocket(ws)
  }

  get open(): boolean {
    return this.ws.readyState === WebSocket.OPEN
  }

  send(payload: string | Buffer): void {
    this.ws.send(payload)
  }

  /** Takes the first reply that matches, waiting up to `timeoutMs`; null if none came (or the socket closed). */
  async next(match: (reply: TrackerReply) => boolean, timeoutMs = 5000): Promise<TrackerReply | null> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const index = this.replies.findIndex(match)
      if (index >= 0) return this.replies.splice(index, 1)[0]!
      const wait = deadline - Date.now()
      if (wait <= 0 || this.closeCode !== null) return null
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, wait)
        this.waiters.push(() => {
          clearTimeout(timer)
          resolve()
        })
      })
    }
  }

  close(): void {
    this.ws.terminate()
  }

  private wake(): void {
    for (const wake of this.waiters.splice(0)) wake()
  }
}

/** A 20-character binary id (infohash, peer id) as the wire protocol carries it. */
export function binaryId(hex: string): string {
  return Buffer.from(hex, 'hex').toString('latin1')
}
