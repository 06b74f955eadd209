// Test-only: a live packager's folder served over HTTP as a remote upstream, which can go away and come back on
// the same port and answer 404 for chosen segments.
import { readFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { closeServer } from './live-upstream.js'

export class FolderUpstream {
  /** Segment file names answered with 404. */
  readonly missing = new Set<string>()
  private server: Server | null = null
  port = 0

  constructor(private readonly dir: string) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}/index.m3u8`
  }

  async start(port = 0): Promise<void> {
    const server = createServer((req, res) => {
      const name = (req.url ?? '').split('?')[0]!.slice(1)
      if (!/^(index\.m3u8|seg\d+\.ts)$/.test(name) || this.missing.has(name)) return void res.writeHead(404).end('not found')
      readFile(join(this.dir, name)).then(
        (body) => res.writeHead(200, { 'content-type': name.endsWith('.ts') ? 'video/mp2t' : 'application/vnd.apple.mpegurl' }).end(body),
        () => res.writeHead(404).end('not found'),
      )
    })
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(port, '127.0.0.1', () => resolve())
    })
    this.server = server
    this.port = (server.address() as AddressInfo).port
  }

  /** Closes the server and every open connection. */
  async kill(): Promise<void> {
    const server = this.server
    this.server = null
    await closeServer(server)
  }
}
