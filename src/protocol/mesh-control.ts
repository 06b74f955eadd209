import { buildMagnetUri, parseMagnetUri } from './magnet.js'
import type { AnnouncedSegment } from './playlist-magnets.js'

/**
 * Control messages between two neighbours, on the mesh connection's own data channel (the one simple-peer opens;
 * segment wires have channels of their own). JSON, one message per channel message. Everything that arrives is
 * untrusted: `parseControlMessage` checks each field and bounds its size, and a segment a neighbour tells of is
 * only prefetched (from the origin's own .torrent and web seed) until this viewer's own playlist lists it.
 */

/** Sent once the connection is up: whether this viewer uploads (a viewer that does not never fetches for others). */
export interface HelloMessage {
  t: 'hello'
  v: 1
  uploads: boolean
  /** Its measured upload rate, bytes/s (0: not measured yet). */
  rate: number
}

/** Its measured upload rate changed (bytes/s): fast uploaders are picked to fetch new segments more often. */
export interface RateNotice {
  t: 'rate'
  rate: number
}

/**
 * A segment this viewer learned of (from its playlist or a neighbour), so that neighbours can join its swarm early,
 * with the .torrent it was added from: a viewer that gets the notice adds the swarm without asking the origin (its
 * bytes must hash to the infohash, which its own playlist must later name for the URL), so the origin serves each
 * .torrent about once per neighbourhood instead of once per viewer.
 */
export interface SegmentNotice {
  t: 'segment'
  playlistUrl: string
  segment: AnnouncedSegment
  torrent?: Uint8Array
}

/** This viewer started fetching a segment over HTTP for the neighbourhood: the others need not. */
export interface FetchingNotice {
  t: 'fetching'
  infoHash: string
}

export type ControlMessage = HelloMessage | RateNotice | SegmentNotice | FetchingNotice

export const MAX_CONTROL_MESSAGE_CHARS = 8192
/** A segment's .torrent: tens of pieces at most (the origin's rule), so a few kB with its URLs. */
const MAX_TORRENT_BYTES = 4096
const MAX_URL_CHARS = 2048

export function encodeControlMessage(message: ControlMessage): string {
  if (message.t !== 'segment') return JSON.stringify(message)
  const { url, byteRange, magnet } = message.segment
  return JSON.stringify({
    t: 'segment',
    playlistUrl: message.playlistUrl,
    url,
    range: byteRange ? [byteRange.offset, byteRange.length] : null,
    magnet: buildMagnetUri(magnet),
    torrent: message.torrent ? toBase64(message.torrent) : undefined,
  })
}

/** The message a neighbour sent, or null (with nothing thrown) for anything that is not a well-formed one. */
export function parseControlMessage(data: string): ControlMessage | null {
  if (typeof data !== 'string' || data.length > MAX_CONTROL_MESSAGE_CHARS) return null
  let value: unknown
  try {
    value = JSON.parse(data)
  } catch {
    return null
  }
  if (typeof value !== 'object' || value === null) return null
  const record = value as Record<string, unknown>
  if (record.t === 'hello') {
    const { v, uploads, rate } = record
    return v === 1 && typeof uploads === 'boolean' && isRate(rate) ? { t: 'hello', v: 1, uploads, rate } : null
  }
  if (record.t === 'rate') return isRate(record.rate) ? { t: 'rate', rate: record.rate } : null
  if (record.t === 'fetching') return isInfoHash(record.infoHash) ? { t: 'fetching', infoHash: record.infoHash } : null
  if (record.t === 'segment') return readSegmentNotice(record)
  return null
}

function readSegmentNotice(record: Record<string, unknown>): SegmentNotice | null {
  const { playlistUrl, url, range, magnet, torrent } = record
  if (!isHttpUrl(playlistUrl) || !isHttpUrl(url) || typeof magnet !== 'string') return null
  let parsed
  try {
    parsed = parseMagnetUri(magnet)
  } catch {
    return null
  }
  if (!isHttpUrl(parsed.webSeed) || !isHttpUrl(parsed.torrentUrl)) return null
  const segment: AnnouncedSegment = { url, magnet: parsed }
  if (range !== null && range !== undefined) {
    if (!Array.isArray(range) || range.length !== 2 || !range.every((n) => Number.isSafeInteger(n) && n >= 0)) return null
    segment.byteRange = { offset: range[0] as number, length: range[1] as number }
  }
  const notice: SegmentNotice = { t: 'segment', playlistUrl, segment }
  if (torrent !== undefined && torrent !== null) {
    const bytes = typeof torrent === 'string' && torrent.length <= Math.ceil(MAX_TORRENT_BYTES / 3) * 4 ? fromBase64(torrent) : null
    if (!bytes) return null
    notice.torrent = bytes
  }
  return notice
}

function toBase64(bytes: Uint8Array): string {
  let binary = ''
  for (const byte of bytes) binary += String.fromCharCode(byte)
  return btoa(binary)
}

function fromBase64(text: string): Uint8Array | null {
  try {
    return Uint8Array.from(atob(text), (char) => char.charCodeAt(0))
  } catch {
    return null
  }
}

/** An upload rate in bytes/s: finite, not negative, below 10 Gbit/s. */
function isRate(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 && value < 1.25e9
}

function isInfoHash(value: unknown): value is string {
  return typeof value === 'string' && /^[0-9a-f]{40}$/.test(value)
}

function isHttpUrl(value: unknown): value is string {
  if (typeof value !== 'string' || value.length > MAX_URL_CHARS) return false
  try {
    const protocol = new URL(value).protocol
    return protocol === 'http:' || protocol === 'https:'
  } catch {
    return false
  }
}
