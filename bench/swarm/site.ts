/**
 * The bench's own web site (another origin than the stream's: `localhost` vs the origin's `127.0.0.1`, both secure
 * contexts): one lean page per mode plus the scripts they load, served from memory. Every mode plays the same
 * hls.js build (hls.js's UMD build, as the product's player page uses) with the same config; the live-torrent
 * modes add the page script and service worker exactly as README "Add P2P to your own site" tells a site to.
 */
import { readFile } from 'node:fs/promises'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'

export interface BenchSite {
  /** http://localhost:<port> */
  url: string
  setPage(path: string, html: string): void
  close(): Promise<void>
}

const require = createRequire(import.meta.url)
const BUNDLES = fileURLToPath(new URL('../../dist/browser/', import.meta.url))

/** p2p-media-loader's hls.js integration as one browser script that sets window.HlsJsP2PEngine. */
async function bundleP2pml(): Promise<string> {
  const result = await build({
    stdin: {
      contents: "import { HlsJsP2PEngine } from 'p2p-media-loader-hlsjs'\nwindow.HlsJsP2PEngine = HlsJsP2PEngine\n",
      resolveDir: fileURLToPath(new URL('.', import.meta.url)),
      loader: 'js',
    },
    bundle: true,
    write: false,
    format: 'iife',
    platform: 'browser',
    target: ['chrome110'],
    minify: true,
    // p2p-media-loader-core's package exports its pre-bundled browser build under this condition (its README).
    conditions: ['p2pml:core-as-bundle'],
    logLevel: 'warning',
  })
  return result.outputFiles[0]!.text
}

export async function startSite(recorderJs: string): Promise<BenchSite> {
  const files = new Map<string, { type: string; body: string | Buffer }>()
  const js = 'text/javascript; charset=utf-8'
  files.set('/hls.min.js', { type: js, body: await readFile(require.resolve('hls.js/dist/hls.min.js')) })
  files.set('/live-torrent.js', { type: js, body: await readFile(`${BUNDLES}live-torrent.js`) })
  files.set('/live-torrent-p2p.js', { type: js, body: await readFile(`${BUNDLES}live-torrent-p2p.js`) })
  files.set('/live-torrent-sw.js', { type: js, body: await readFile(`${BUNDLES}live-torrent-sw.js`) })
  files.set('/p2pml.js', { type: js, body: await bundleP2pml() })
  files.set('/bench-recorder.js', { type: js, body: recorderJs })
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname
    const file = files.get(path)
    if (!file) return void res.writeHead(404, { 'content-type': 'text/plain' }).end('not found')
    res.writeHead(200, { 'content-type': file.type, 'cache-control': 'no-store' })
    res.end(req.method === 'HEAD' ? undefined : file.body)
  })
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://localhost:${port}`,
    setPage: (path, html) => files.set(path, { type: 'text/html; charset=utf-8', body: html }),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
