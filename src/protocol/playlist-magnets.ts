import { parseMagnetLine } from './magnet-line.js'
import { parseMagnetUri, type SegmentMagnet } from './magnet.js'

/** A segment of a playlist that carries a magnet line: where to fetch it, and its torrent. */
export interface AnnouncedSegment {
  /** Absolute URL of the segment, as the player will request it. */
  url: string
  /** Sub-range of `url` for EXT-X-BYTERANGE segments. */
  byteRange?: { offset: number; length: number }
  magnet: SegmentMagnet
}

/**
 * Reads the magnet lines of a media playlist, each paired with the URI line that follows it. Written by hand
 * because no HLS parser keeps an unknown tag attached to its segment with the resolved URL (hls.js does so only
 * inside its own loader pipeline); this needs just the magnet tag, EXT-X-BYTERANGE and URI lines.
 * Lines it cannot read are skipped: a bad magnet costs that segment its P2P path, never the playlist.
 */
export function readPlaylistMagnets(text: string, playlistUrl: string): AnnouncedSegment[] {
  const segments: AnnouncedSegment[] = []
  let magnet: SegmentMagnet | null = null
  let range: { length: number; offset?: number } | null = null
  const nextOffset = new Map<string, number>()
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim()
    if (!line) continue
    const magnetUri = parseMagnetLine(line)
    if (magnetUri !== null) {
      magnet = tryParseMagnet(magnetUri)
    } else if (line.startsWith('#EXT-X-BYTERANGE:')) {
      range = parseByteRange(line.slice('#EXT-X-BYTERANGE:'.length))
    } else if (!line.startsWith('#')) {
      const url = tryResolve(line, playlistUrl)
      if (url && range) {
        const offset = range.offset ?? nextOffset.get(url) ?? 0
        nextOffset.set(url, offset + range.length)
        if (magnet && Number.isSafeInteger(offset + range.length))
          segments.push({ url, byteRange: { offset, length: range.length }, magnet })
      } else if (url && magnet) {
        segments.push({ url, magnet })
      }
      magnet = null
      range = null
    }
  }
  return segments
}

/** Key of a segment (URL plus sub-range): what the service worker and the page client agree on. */
export function segmentKey(url: string, byteRange?: { offset: number; length: number }): string {
  return byteRange ? `${url}#${byteRange.offset}+${byteRange.length}` : url
}

function tryParseMagnet(uri: string): SegmentMagnet | null {
  try {
    return parseMagnetUri(uri)
  } catch {
    return null
  }
}

/** A segment URL the page and the worker may fetch: http(s) only (a playlist could name javascript: or data:). */
export function tryResolve(uri: string, base: string): string | null {
  try {
    const url = new URL(uri, base)
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : null
  } catch {
    return null
  }
}

/** `length[@offset]`, whole numbers JavaScript holds exactly (400 digits would read as Infinity). */
export function parseByteRange(value: string): { length: number; offset?: number } | null {
  const match = /^(\d{1,15})(?:@(\d{1,15}))?$/.exec(value.trim())
  if (!match) return null
  const length = Number(match[1])
  if (length === 0) return null
  return match[2] === undefined ? { length } : { length, offset: Number(match[2]) }
}
