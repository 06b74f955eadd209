/**
 * The origin under test, one fresh instance per mode on the same live folder, so that each mode's origin-side
 * count starts at zero and covers that mode alone. Also watches the origin's playlist to learn when each segment
 * first appeared (the start of the "appearance to completion from peers" clock).
 */
import { Parser } from 'm3u8-parser'
import { pino } from 'pino'
import { Origin } from '../../src/origin/origin.js'
import type { SourceSpec } from '../../src/origin/sources/resolve.js'
import type { ServedKind } from '../../src/origin/metrics.js'
import { parseMagnetLine } from '../../src/protocol/magnet-line.js'
import { parseMagnetUri } from '../../src/protocol/magnet.js'

export type ServedBytes = Record<ServedKind, number>

export async function startBenchOrigin(source: SourceSpec): Promise<Origin> {
  const logger = pino({ level: process.env.LOG_LEVEL ?? 'silent' })
  const origin = await Origin.start(source, { port: 0 }, { logger })
  await origin.whenReady()
  return origin
}

/** Bytes the origin served so far, by kind, read from its prom-client counter (what /metrics shows). */
export async function servedBytes(origin: Origin): Promise<ServedBytes> {
  const out: ServedBytes = { playlist: 0, segment: 0, torrent: 0, asset: 0, part: 0, page: 0 }
  for (const value of (await origin.metrics.bytesServed.get()).values) {
    const kind = value.labels.kind as ServedKind | undefined
    if (kind && kind in out) out[kind] = value.value
  }
  return out
}

/** Media bytes the origin served over HTTP: whole segments, and the LL-HLS parts of an LL source. */
export function mediaBytes(served: ServedBytes): number {
  return served.segment + served.part
}

/**
 * Polls the origin's playlist every 250 ms and records when each segment URL (and its infohash, from the magnet
 * line above it) was first listed. For a master playlist, its variant and audio playlists are polled instead, and
 * each segment is also filed under its rendition ('<height>p' from RESOLUTION, 'audio' for the audio group), the
 * names the page recorder uses. Its own playlist bytes are counted so they can be taken off the origin's total.
 */
export class PlaylistWatch {
  /** Absolute segment URL or infohash -> Date.now() when first listed. */
  readonly firstSeen = new Map<string, number>()
  /** Infohash -> rendition name (ladder sources only). */
  readonly renditionOf = new Map<string, string>()
  /** Playlist bytes this watcher fetched (they are not viewers' traffic). */
  ownBytes = 0
  private readonly media = new Map<string, string | null>()
  private timer: NodeJS.Timeout | null = null
  private busy = false

  constructor(private readonly playlistUrl: string) {}

  start(intervalMs = 250): void {
    this.timer = setInterval(() => void this.poll(), intervalMs)
    void this.poll()
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer)
    this.timer = null
  }

  private async poll(): Promise<void> {
    if (this.busy) return
    this.busy = true
    try {
      if (this.media.size === 0) {
        const text = await this.fetchText(this.playlistUrl)
        if (text.includes('#EXT-X-STREAM-INF'))
          for (const [url, name] of variantPlaylists(text, this.playlistUrl)) this.media.set(url, name)
        else this.record(text, this.playlistUrl, null)
      }
      for (const [url, name] of this.media) this.record(await this.fetchText(url), url, name)
    } catch {
      // A missed poll only makes the next one the first sighting (later by 250 ms); the origin being slow to
      // answer shows up in the viewers' numbers anyway.
    } finally {
      this.busy = false
    }
  }

  private async fetchText(url: string): Promise<string> {
    const response = await fetch(url, { signal: AbortSignal.timeout(2000) })
    const text = await response.text()
    this.ownBytes += Buffer.byteLength(text)
    return text
  }

  private record(text: string, playlistUrl: string, rendition: string | null): void {
    const now = Date.now()
    let infoHash: string | null = null
    for (const raw of text.split('\n')) {
      const line = raw.trim()
      if (!line) continue
      const magnet = parseMagnetLine(line)
      if (magnet !== null) {
        infoHash = parseMagnetUri(magnet).infoHash
        continue
      }
      if (line.startsWith('#')) continue
      const url = new URL(line, playlistUrl).href
      if (!this.firstSeen.has(url)) this.firstSeen.set(url, now)
      if (infoHash && !this.firstSeen.has(infoHash)) this.firstSeen.set(infoHash, now)
      if (infoHash && rendition) this.renditionOf.set(infoHash, rendition)
      infoHash = null
    }
  }
}

/** A master playlist's media playlists -> rendition name: '<height>p' per variant, 'audio' for audio renditions. */
function variantPlaylists(master: string, masterUrl: string): Map<string, string> {
  const parser = new Parser()
  parser.push(master)
  parser.end()
  const out = new Map<string, string>()
  for (const group of Object.values(parser.manifest.mediaGroups?.AUDIO ?? {}))
    for (const rendition of Object.values(group)) if (rendition.uri) out.set(new URL(rendition.uri, masterUrl).href, 'audio')
  for (const variant of parser.manifest.playlists ?? []) {
    const url = new URL(variant.uri, masterUrl).href
    const resolution = variant.attributes.RESOLUTION as { height?: number } | undefined
    if (!out.has(url)) out.set(url, resolution?.height ? `${resolution.height}p` : 'audio')
  }
  return out
}
