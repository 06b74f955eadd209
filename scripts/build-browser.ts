/**
 * Builds the browser bundles from the TypeScript sources with esbuild into dist/browser:
 *   live-torrent.js     the page script (page client, service-worker bridge, hls.js loader), for any site
 *   live-torrent-p2p.js WebTorrent and the neighbour mesh, which the page script loads once its player plays
 *   live-torrent-sw.js  the service worker, served from the site root
 *   player.js           the demo player page's script (hls.js + chart), with index.html beside it
 *   dashboard.js        the operator's audience dashboard (/dashboard), with dashboard.html beside it
 *   live-torrent-hlsjs.mjs  the hls.js loader and page client as an ES module (package export `live-torrent/hlsjs`)
 * Run: `node --import tsx scripts/build-browser.ts [--watch]` (npm run build:browser).
 */
import { build, context, type BuildOptions } from 'esbuild'
import { copyFile, mkdir, readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const outdir = `${root}dist/browser`
const { version } = JSON.parse(await readFile(`${root}package.json`, 'utf8')) as { version: string }

const common: BuildOptions = {
  bundle: true,
  platform: 'browser',
  format: 'iife',
  target: ['chrome110', 'firefox115', 'safari16'],
  sourcemap: true,
  minify: true,
  legalComments: 'eof',
  logLevel: 'warning',
  // WebTorrent's dist build and bittorrent-tracker import Node's `events`; the npm package is its browser twin.
  // `global/window` becomes a plain ES module of globalThis (see the shim for why).
  alias: { events: 'events', 'global/window': `${root}scripts/shims/global-window.ts` },
  // bittorrent-tracker's client checks `process.browser`; nothing else of `process` is needed in a page.
  define: {
    global: 'globalThis',
    'process.browser': 'true',
    'process.env.NODE_ENV': '"production"',
    LIVE_TORRENT_VERSION: JSON.stringify(version),
  },
}

const bundles: BuildOptions[] = [
  { ...common, entryPoints: { 'live-torrent': `${root}src/entries/page-script.ts` } },
  { ...common, entryPoints: { 'live-torrent-p2p': `${root}src/entries/p2p-stack.ts` } },
  { ...common, entryPoints: { 'live-torrent-sw': `${root}src/entries/service-worker.ts` } },
  { ...common, entryPoints: { player: `${root}src/player/main.ts` } },
  { ...common, entryPoints: { dashboard: `${root}src/dashboard/main.ts` } },
  // The hls.js loader and page client as an ES module for sites that bundle their own player (`live-torrent/hlsjs`).
  { ...common, format: 'esm', outExtension: { '.js': '.mjs' }, entryPoints: { 'live-torrent-hlsjs': `${root}src/entries/hlsjs.ts` } },
]

async function main(): Promise<void> {
  await mkdir(outdir, { recursive: true })
  await copyFile(`${root}src/player/index.html`, `${outdir}/index.html`)
  await copyFile(`${root}src/dashboard/index.html`, `${outdir}/dashboard.html`)
  if (process.argv.includes('--watch')) {
    for (const options of bundles) await (await context({ ...options, outdir })).watch()
    console.log(`watching; bundles in ${outdir}`)
    return
  }
  await Promise.all(bundles.map((options) => build({ ...options, outdir })))
  console.log(`browser bundles written to ${outdir}`)
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err)
  process.exit(1)
})
