import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** A browser bundle the origin serves from dist/browser (built by `npm run build:browser`). */
export interface BrowserAsset {
  body: Buffer
  contentType: string
  /** Extra response headers (the service worker needs its scope widened to the site root). */
  headers: Record<string, string>
}

/** URL path (without the leading slash) -> file in dist/browser. `''` is the player page at `/`. */
const ASSETS: Record<string, { file: string; contentType: string; headers?: Record<string, string> }> = {
  '': { file: 'index.html', contentType: 'text/html; charset=utf-8' },
  dashboard: { file: 'dashboard.html', contentType: 'text/html; charset=utf-8' },
  'dashboard.js': { file: 'dashboard.js', contentType: 'text/javascript; charset=utf-8' },
  'player.js': { file: 'player.js', contentType: 'text/javascript; charset=utf-8' },
  'live-torrent.js': { file: 'live-torrent.js', contentType: 'text/javascript; charset=utf-8' },
  'live-torrent-p2p.js': { file: 'live-torrent-p2p.js', contentType: 'text/javascript; charset=utf-8' },
  'live-torrent-sw.js': {
    file: 'live-torrent-sw.js',
    contentType: 'text/javascript; charset=utf-8',
    headers: { 'service-worker-allowed': '/' },
  },
}

/** URL path -> file name of the player page and what it loads: a packaged feed's site (`live-torrent package`). */
export const PLAYER_SITE_FILES: ReadonlyArray<[string, string]> = [
  ['', 'index.html'],
  ['player.js', 'player.js'],
  ['live-torrent.js', 'live-torrent.js'],
  ['live-torrent-p2p.js', 'live-torrent-p2p.js'],
  ['live-torrent-sw.js', 'live-torrent-sw.js'],
]

/**
 * The player page and browser bundles, read once from dist/browser. Source maps are served next to them.
 * When the bundles have not been built, `missing` says so and the origin answers 503 with the command to run.
 */
export class BrowserAssets {
  private readonly cache = new Map<string, BrowserAsset | null>()
  readonly dir: string

  constructor(dir = findBrowserDist()) {
    this.dir = dir
  }

  /** True when the path names a browser asset (whether or not it has been built). */
  handles(path: string): boolean {
    return path in ASSETS || (path.endsWith('.js.map') && path.slice(0, -'.map'.length) in ASSETS)
  }

  get(path: string): BrowserAsset | null {
    if (!this.cache.has(path)) this.cache.set(path, this.load(path))
    return this.cache.get(path) ?? null
  }

  private load(path: string): BrowserAsset | null {
    const spec = path.endsWith('.js.map') ? { file: path, contentType: 'application/json; charset=utf-8' } : ASSETS[path]
    if (!spec) return null
    const file = join(this.dir, spec.file)
    if (!existsSync(file)) return null
    return { body: readFileSync(file), contentType: spec.contentType, headers: spec.headers ?? {} }
  }
}

/** dist/browser of this package, whether the origin runs from src (tsx) or from dist. */
function findBrowserDist(): string {
  let dir = dirname(fileURLToPath(import.meta.url))
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir)
    if (parent === dir) break
    dir = parent
  }
  return join(dir, 'dist', 'browser')
}
