import { Parser, type ParsedManifest } from 'm3u8-parser'
import { splitLines, type PlaylistLine } from './lines.js'

export class PlaylistError extends Error {
  constructor(
    message: string,
    readonly url: string,
  ) {
    super(`${url}: ${message}`)
  }
}

export interface ByteRange {
  offset: number
  length: number
}

/** One media segment of an upstream playlist, its original tag lines kept verbatim. */
export interface UpstreamSegment {
  /** Upstream media sequence number. */
  sequence: number
  /** Absolute URL of the segment's resource. */
  url: string
  duration: number
  byteRange?: ByteRange
  discontinuity: boolean
  /** Tags between the previous segment's URI and this segment's URI, in order, as written upstream. */
  tags: Extract<PlaylistLine, { kind: 'tag' }>[]
}

export interface MediaPlaylist {
  url: string
  targetDuration: number
  mediaSequence: number
  discontinuitySequence: number
  endList: boolean
  playlistType?: string
  /** Tags before the first segment (EXT-X-VERSION, EXT-X-TARGETDURATION, unknown tags...). */
  header: Extract<PlaylistLine, { kind: 'tag' }>[]
  segments: UpstreamSegment[]
  /** Tags after the last segment's URI: LL-HLS parts of the segment being written, preload hints, rendition reports. */
  trailer: Extract<PlaylistLine, { kind: 'tag' }>[]
}

export interface MasterPlaylist {
  url: string
  lines: PlaylistLine[]
}

/** A target duration beyond any packager's (s). */
const MAX_TARGET_DURATION = 3600

export function isMasterPlaylist(text: string): boolean {
  return /^#EXT-X-STREAM-INF:/m.test(text) || /^#EXT-X-I-FRAME-STREAM-INF:/m.test(text)
}

/** Throws a PlaylistError that says what is wrong when the text is not an HLS playlist at all. */
export function assertHls(text: string, url: string): void {
  if (
    !text
      .replace(/^\uFEFF/, '')
      .trimStart()
      .startsWith('#EXTM3U')
  ) {
    const start = JSON.stringify(text.slice(0, 40))
    throw new PlaylistError(`not an HLS playlist (it does not start with #EXTM3U; it starts with ${start})`, url)
  }
}

export function parseMasterPlaylist(text: string, url: string): MasterPlaylist {
  assertHls(text, url)
  return { url, lines: splitLines(text) }
}

/** m3u8-parser throws plain TypeErrors on some malformed attribute lists (found by the playlist fuzz). */
function runParser(text: string, url: string): ParsedManifest {
  try {
    const parser = new Parser()
    parser.push(text)
    parser.end()
    return parser.manifest
  } catch (err) {
    throw new PlaylistError(`malformed playlist: ${err instanceof Error ? err.message : String(err)}`, url)
  }
}

/**
 * Parses a media playlist. m3u8-parser gives the meaning (durations, resolved byte-range offsets, sequence numbers);
 * the raw lines give the tags to pass through. The i-th URI line is the i-th parsed segment.
 */
export function parseMediaPlaylist(text: string, url: string): MediaPlaylist {
  assertHls(text, url)
  if (isMasterPlaylist(text)) throw new PlaylistError('expected a media playlist, got a master playlist', url)
  const manifest = runParser(text, url)
  const lines = splitLines(text)
  const header: MediaPlaylist['header'] = []
  const segments: UpstreamSegment[] = []
  let pending: UpstreamSegment['tags'] = []
  const mediaSequence = manifest.mediaSequence ?? 0
  for (const line of lines) {
    if (line.kind === 'comment') continue
    if (line.kind === 'tag') {
      if (line.name === 'EXTINF' || segments.length > 0 || pending.length > 0 || isSegmentTag(line.name)) pending.push(line)
      else header.push(line)
      continue
    }
    const parsed = manifest.segments[segments.length]
    if (!parsed) throw new PlaylistError(`malformed playlist: cannot make sense of the segment line "${line.uri}"`, url)
    segments.push(toSegment(parsed, pending, mediaSequence + segments.length, url))
    pending = []
  }
  if (segments.length !== manifest.segments.length) throw new PlaylistError('malformed playlist: segment count mismatch', url)
  const targetDuration = manifest.targetDuration
  if (!targetDuration || targetDuration <= 0) throw new PlaylistError('malformed playlist: no valid EXT-X-TARGETDURATION', url)
  // The origin reloads a live playlist every target duration: an absurd one would stop (or, past setTimeout's
  // range, spin) the reloads.
  if (targetDuration > MAX_TARGET_DURATION)
    throw new PlaylistError(`malformed playlist: EXT-X-TARGETDURATION ${targetDuration} is over ${MAX_TARGET_DURATION} s`, url)
  return {
    url,
    targetDuration,
    mediaSequence,
    discontinuitySequence: manifest.discontinuitySequence ?? 0,
    endList: manifest.endList === true || pending.some((tag) => tag.name === 'EXT-X-ENDLIST'),
    playlistType: manifest.playlistType,
    header,
    segments,
    trailer: pending,
  }
}

/**
 * Tags that belong to the following segment even when they come before the first one, and the LL-HLS tags that end
 * a playlist (hints, rendition reports): never header tags, even in a playlist with no segment yet.
 */
const SEGMENT_TAGS = new Set([
  'EXTINF',
  'EXT-X-BYTERANGE',
  'EXT-X-DISCONTINUITY',
  'EXT-X-KEY',
  'EXT-X-MAP',
  'EXT-X-PROGRAM-DATE-TIME',
  'EXT-X-DATERANGE',
  'EXT-X-GAP',
  'EXT-X-BITRATE',
  'EXT-X-CUE-OUT',
  'EXT-X-CUE-IN',
  'EXT-X-CUE-OUT-CONT',
  'EXT-X-PART',
  'EXT-X-PRELOAD-HINT',
  'EXT-X-RENDITION-REPORT',
])

function isSegmentTag(name: string): boolean {
  return SEGMENT_TAGS.has(name)
}

function toSegment(
  parsed: ParsedManifest['segments'][number],
  tags: UpstreamSegment['tags'],
  sequence: number,
  base: string,
): UpstreamSegment {
  let resolved: string
  try {
    resolved = new URL(parsed.uri, base).href
  } catch {
    throw new PlaylistError(`malformed segment URI "${parsed.uri}"`, base)
  }
  if (!Number.isFinite(parsed.duration) || parsed.duration < 0) {
    throw new PlaylistError(`segment "${parsed.uri}" has no valid #EXTINF duration`, base)
  }
  return {
    sequence,
    url: resolved,
    duration: parsed.duration,
    byteRange: parsed.byterange ? { offset: parsed.byterange.offset, length: parsed.byterange.length } : undefined,
    discontinuity: tags.some((tag) => tag.name === 'EXT-X-DISCONTINUITY'),
    tags,
  }
}
