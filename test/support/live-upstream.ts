import { createServer as createHttpServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

/** Closes a test server and every connection still open on it (a dead upstream, not a draining one). */
export async function closeServer(server: Server | null): Promise<void> {
  if (!server) return
  server.closeAllConnections()
  await new Promise((resolve) => server.close(resolve))
}

/** The bytes of upstream segment `n`: unique per number, so a test can tell which one the origin serves. */
export function payload(n: number): Buffer {
  const head = Buffer.from(`upstream segment ${n}\n`)
  return Buffer.concat([head, Buffer.alloc(3000 - head.length, n % 251)])
}

/**
 * A live HLS upstream on a test server: a sliding window of `windowSize` one-second segments whose newest number
 * grows every `stepMs`. Its playlist can be turned to garbage, its segments to 404, and the server can die and
 * come back on the same port.
 */
export class LiveUpstream {
  head = 4
  /** Upstream numbering starts here; a packager restart sets it back to 0 along with `head`. */
  firstSequence = 0
  targetDuration = 1
  /** When set, served instead of the playlist. */
  garbage: string | null = null
  readonly missing = new Set<number>()
  private server: Server | null = null
  private timer: NodeJS.Timeout | null = null
  port = 0

  constructor(
    private readonly windowSize = 4,
    private readonly stepMs = 500,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}/live/index.m3u8`
  }

  playlist(): string {
    if (this.garbage !== null) return this.garbage
    const first = Math.max(this.firstSequence, this.head - this.windowSize + 1)
    const lines = ['#EXTM3U', '#EXT-X-VERSION:3', `#EXT-X-TARGETDURATION:${this.targetDuration}`, `#EXT-X-MEDIA-SEQUENCE:${first}`]
    for (let n = first; n <= this.head; n++) lines.push('#EXTINF:1.000,', `seg${n}.ts`)
    return lines.join('\n') + '\n'
  }

  async start(port = 0): Promise<void> {
    const server = createHttpServer((req, res) => {
      const path = (req.url ?? '').split('?')[0]!
      if (path === '/live/index.m3u8') {
        res.writeHead(200, { 'content-type': 'application/vnd.apple.mpegurl' }).end(this.playlist())
        return
      }
      const match = /^\/live\/seg(\d+)\.ts$/.exec(path)
      const n = match ? Number(match[1]) : -1
      if (n < 0 || n > this.head || this.missing.has(n)) {
        res.writeHead(404).end('not found')
        return
      }
      res.writeHead(200, { 'content-type': 'video/mp2t' }).end(payload(n))
    })
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(port, '127.0.0.1', () => resolve())
    })
    this.server = server
    this.port = (server.address() as AddressInfo).port
    this.timer ??= setInterval(() => this.head++, this.stepMs)
  }

  /** Closes the server and every open connection; the window keeps advancing meanwhile. */
  async kill(): Promise<void> {
    const server = this.server
    this.server = null
    await closeServer(server)
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer)
    this.timer = null
    await this.kill()
  }
}
