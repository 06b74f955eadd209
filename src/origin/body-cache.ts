import type { ByteRange } from './playlist/parse.js'
import type { Upstream } from './upstream.js'

interface Body {
  bytes: Uint8Array | null
  url: string
  range?: ByteRange
  length: number
}

/**
 * Segment bytes, held in memory up to a byte budget (least recently used out first) and read again from the
 * upstream on a miss. A live window is far below the budget, so its segments stay in memory even after the
 * packager deletes its files; a large VOD is served without holding all of it.
 */
export class BodyCache {
  private readonly bodies = new Map<string, Body>()
  private held = 0

  constructor(
    private readonly budgetBytes: number,
    private readonly upstream: Upstream,
  ) {}

  put(key: string, bytes: Uint8Array, url: string, range?: ByteRange): void {
    this.delete(key)
    this.bodies.set(key, { bytes, url, range, length: bytes.length })
    this.held += bytes.length
    this.evict()
  }

  async get(key: string): Promise<Uint8Array | null> {
    const body = this.bodies.get(key)
    if (!body) return null
    this.bodies.delete(key)
    this.bodies.set(key, body)
    if (body.bytes) return body.bytes
    const bytes = await this.upstream.bytes(body.url, body.range)
    if (bytes.length !== body.length) throw new Error(`${body.url} changed size since it was hashed`)
    if (this.bodies.get(key) === body && !body.bytes) {
      body.bytes = bytes
      this.held += bytes.length
      this.evict()
    }
    return bytes
  }

  delete(key: string): void {
    const body = this.bodies.get(key)
    if (!body) return
    if (body.bytes) this.held -= body.bytes.length
    this.bodies.delete(key)
  }

  get heldBytes(): number {
    return this.held
  }

  private evict(): void {
    for (const body of this.bodies.values()) {
      if (this.held <= this.budgetBytes) return
      if (!body.bytes) continue
      this.held -= body.bytes.length
      body.bytes = null
    }
  }
}
