/**
 * A line-level view of an HLS playlist. Playlist parsers (m3u8-parser, used in parse.ts) give the meaning of a
 * playlist but re-serialise it from their own model, which drops tags they do not know. The origin must pass every
 * original tag through untouched and change only URIs, so it keeps the raw lines and edits them in place.
 */
export type PlaylistLine =
  { kind: 'tag'; name: string; value: string | null; raw: string } | { kind: 'uri'; uri: string } | { kind: 'comment'; raw: string }

export function splitLines(text: string): PlaylistLine[] {
  const lines: PlaylistLine[] = []
  for (const rawLine of text.replace(/^\uFEFF/, '').split(/\r?\n/)) {
    const raw = rawLine.trim()
    if (raw === '') continue
    lines.push(classify(raw))
  }
  return lines
}

function classify(raw: string): PlaylistLine {
  if (!raw.startsWith('#')) return { kind: 'uri', uri: raw }
  if (!raw.startsWith('#EXT')) return { kind: 'comment', raw }
  const colon = raw.indexOf(':')
  if (colon < 0) return { kind: 'tag', name: raw.slice(1), value: null, raw }
  return { kind: 'tag', name: raw.slice(1, colon), value: raw.slice(colon + 1), raw }
}

/** Attribute lists (RFC 8216 4.2): `KEY=value,KEY="quoted, with commas"`. Returns [key, raw value] pairs. */
export function parseAttributes(value: string): Array<[string, string]> {
  const pairs: Array<[string, string]> = []
  const pattern = /\s*([A-Z0-9-]+)\s*=\s*("[^"]*"|[^,]*)\s*(?:,|$)/gy
  let match: RegExpExecArray | null
  while (pattern.lastIndex < value.length && (match = pattern.exec(value)) !== null) {
    pairs.push([match[1]!, match[2]!.trim()])
  }
  return pairs
}

export function attribute(value: string, key: string): string | undefined {
  const found = parseAttributes(value).find(([name]) => name === key)
  if (!found) return undefined
  const raw = found[1]
  return raw.startsWith('"') && raw.endsWith('"') ? raw.slice(1, -1) : raw
}

/** Rewrites the quoted URI attribute of a tag line, leaving every other byte of the line as it was. */
export function rewriteUriAttribute(rawTag: string, rewrite: (uri: string) => string): string {
  return rawTag.replace(/([:,]\s*URI\s*=\s*)"([^"]*)"/, (_whole, head: string, uri: string) => `${head}"${rewrite(uri)}"`)
}
