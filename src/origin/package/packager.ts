import type { Resource } from '../catalog.js'
import { withDefaults, type OriginConfig } from '../config.js'
import type { OriginContext } from '../context.js'
import { createContext, type ContextOptions } from '../create-context.js'
import { BrowserAssets, PLAYER_SITE_FILES } from '../http/browser-assets.js'
import { Links } from '../http/links.js'
import { meshPlanFor } from '../mesh-plan.js'
import { RunningFeed } from '../running-feed.js'
import type { SourceSpec } from '../sources/resolve.js'
import { AtomicDir } from './atomic-dir.js'

/** What `live-torrent package` writes and where it will be served from. */
export interface PackageTarget {
  /** The output directory (created if missing). */
  outDir: string
  /** Absolute URL the directory is served at: magnets' web seeds and .torrent links are built on it. */
  publicUrl: string
}

/** How often the output is brought up to date besides the catalog's own changes (ms). */
const SYNC_INTERVAL_MS = 250

/**
 * Static packaging: the same feed pipeline as the origin (ingest, hashing, the sliding window, magnets), with the
 * catalog written out to a directory instead of served, so that any static server, object store or CDN serves
 * the P2P-ready feed. Each pass writes new segments, torrents and proxied assets first and the playlists that
 * name them last, every file atomically; what the catalog drops (after the RFC 8216 grace) is deleted.
 */
export class Packager {
  private readonly written = new Map<string, string>()
  private readonly timer: NodeJS.Timeout
  private syncing: Promise<void> | null = null
  private again = false
  private resolveDone!: () => void
  /** Resolves once a finished (VOD) feed is written completely; a live feed never is. */
  readonly done = new Promise<void>((resolve) => (this.resolveDone = resolve))

  private constructor(
    private readonly ctx: OriginContext,
    private readonly running: RunningFeed,
    private readonly dir: AtomicDir,
    private readonly links: Links,
  ) {
    this.timer = setInterval(() => this.request(), SYNC_INTERVAL_MS)
  }

  static async start(
    spec: SourceSpec,
    target: PackageTarget,
    partial: Partial<OriginConfig>,
    options: ContextOptions = {},
  ): Promise<Packager> {
    // A static server cannot hold a blocking playlist reload, so LL-HLS sources are packaged as plain HLS.
    const config = withDefaults({ ...partial, builtinTracker: false, publicUrl: checkPublicUrl(target.publicUrl), lowLatency: 'off' })
    const links = new Links(config.publicUrl!, false, config.trackers, meshPlanFor(spec, config))
    const dir = new AtomicDir(target.outDir)
    let packager: Packager | null = null
    const ctx = createContext(config, options, { onChanged: () => setImmediate(() => packager?.request()) })
    await copyPlayerSite(dir)
    const running = await RunningFeed.start(ctx, spec, config)
    packager = new Packager(ctx, running, dir, links)
    if (packager.links.meshLines().length === 0)
      ctx.logger.warn('no WebSocket tracker (--tracker or --shard): viewers of this package will play over HTTP only')
    packager.request()
    return packager
  }

  /** Stops following the source; the output stays as last written. */
  async stop(): Promise<void> {
    clearInterval(this.timer)
    await this.running.stop()
    await this.syncing
    this.ctx.catalog.close()
  }

  /** Brings the output up to date: now if idle, else once more after the pass under way. */
  private request(): void {
    if (this.syncing) {
      this.again = true
      return
    }
    this.syncing = (async () => {
      do {
        this.again = false
        await this.sync().catch((err: unknown) =>
          this.ctx.logger.error({ err: (err as Error).message }, 'package: writing the output failed; retrying'),
        )
      } while (this.again)
    })().finally(() => (this.syncing = null))
  }

  private async sync(): Promise<void> {
    const entries = [...this.ctx.catalog.entries()]
    let complete = true
    for (const [path, resource] of entries)
      if (resource.kind !== 'playlist') complete = (await this.writeResource(path, resource)) && complete
    // A playlist must never name a file that is not there yet: while one is missing, playlists wait for it.
    if (!complete) return
    for (const [path, resource] of entries) if (resource.kind === 'playlist') await this.writePlaylist(path, resource)
    const present = new Set(entries.map(([path]) => path))
    for (const path of [...this.written.keys()]) {
      if (present.has(path)) continue
      await this.dir.remove(path)
      this.written.delete(path)
    }
    if (this.running.feed.ended) this.resolveDone()
  }

  /** Writes a segment, torrent or proxied asset unless this version of it is written already; false if it cannot be now. */
  private async writeResource(path: string, resource: Exclude<Resource, { kind: 'playlist' }>): Promise<boolean> {
    const version = versionOf(resource)
    if (version === null || this.written.get(path) === version) return true
    const bytes = await this.bytesOf(path, resource)
    if (!bytes) return false
    await this.dir.write(path, bytes)
    this.written.set(path, version)
    return true
  }

  private async bytesOf(path: string, resource: Exclude<Resource, { kind: 'playlist' }>): Promise<Uint8Array | null> {
    switch (resource.kind) {
      case 'segment': {
        const bytes = await this.ctx.bodies.get(resource.segment.bodyKey)
        if (!bytes) this.ctx.logger.warn({ path }, 'package: segment bytes unavailable (evicted and not re-readable); retrying')
        return bytes
      }
      case 'torrent':
        return this.links.torrentFor(resource.segment)
      case 'proxy':
        return this.ctx.assets.get(resource.url).catch((err: unknown) => {
          this.ctx.logger.warn({ path, url: resource.url, err: (err as Error).message }, 'package: proxied asset unavailable; retrying')
          return null
        })
      case 'part':
        return null
    }
  }

  private async writePlaylist(path: string, resource: Extract<Resource, { kind: 'playlist' }>): Promise<void> {
    const text = resource.render(this.links)
    if (text === null || this.written.get(path) === text) return
    await this.dir.write(path, text)
    this.written.set(path, text)
  }
}

/** What identifies the written bytes of a resource; null: nothing to write (parts are not packaged). */
function versionOf(resource: Exclude<Resource, { kind: 'playlist' }>): string | null {
  switch (resource.kind) {
    case 'segment':
    case 'torrent':
      return resource.segment.torrent.infoHash
    case 'proxy': {
      // A byte-range resource of a live upstream grows: rewritten when its last listed range ends further on.
      const last = resource.segments().at(-1)?.byteRange
      return last ? `${last.offset + last.length}` : 'whole'
    }
    case 'part':
      return null
  }
}

function checkPublicUrl(value: string): string {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    throw new Error(`--public-url must be an absolute http(s) URL (where the output is served), got ${JSON.stringify(value)}`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`--public-url must be http(s), got ${value}`)
  return url.href
}

/** The player page and its scripts, so the output directory is a complete site. */
async function copyPlayerSite(dir: AtomicDir): Promise<void> {
  const assets = new BrowserAssets()
  for (const [path, file] of PLAYER_SITE_FILES) {
    const asset = assets.get(path)
    if (!asset) throw new Error(`browser bundles not built: run \`npm run build:browser\` (looked in ${assets.dir})`)
    await dir.write(file, asset.body)
  }
}
