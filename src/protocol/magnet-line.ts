/**
 * The playlist line that carries a segment's magnet link.
 *
 * Format (one line, placed after the segment's own tags and immediately before its URI line):
 *
 *     #EXT-X-LIVE-TORRENT-MAGNET:magnet:?xt=urn:btih:<40 hex>&dn=<name>&tr=<tracker>&ws=<segment URL>&xs=<.torrent URL>
 *
 * It is a tag the HLS spec does not define, so every player ignores it (RFC 8216 4.1: unknown tags are ignored),
 * while hls.js keeps it on the following fragment's `tagList`, where a loader can read it.
 */
export const MAGNET_TAG = 'EXT-X-LIVE-TORRENT-MAGNET'

const PREFIX = `#${MAGNET_TAG}:`

export function formatMagnetLine(magnetUri: string): string {
  if (/[\r\n]/.test(magnetUri)) throw new Error('a magnet URI cannot contain a line break')
  return PREFIX + magnetUri
}

/** Returns the magnet URI of a magnet line, or null for any other line. */
export function parseMagnetLine(line: string): string | null {
  const trimmed = line.trim()
  return trimmed.startsWith(PREFIX) ? trimmed.slice(PREFIX.length) : null
}
