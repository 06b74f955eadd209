import { parseByteRange } from '../../protocol/playlist-magnets.js'
import { attribute, parseAttributes } from '../playlist/lines.js'
import type { ByteRange } from '../playlist/parse.js'

/**
 * The LL-HLS tags (RFC 8216bis 4.4.3.7-4.4.5.3, 4.4.4.9) as the origin needs them: where a part or a hinted
 * resource lives upstream, and how to rewrite the lines that name them. m3u8-parser reads these tags too, but
 * re-serialises nothing, and the origin edits the raw lines in place (see playlist/lines.ts).
 */

/** Whether the origin passes LL-HLS through (`on`) or converts it to plain HLS (`off`). */
export type LowLatencyMode = 'on' | 'off'

export const LOW_LATENCY_MODES: readonly LowLatencyMode[] = ['on', 'off']

/** A part or hinted resource upstream: its absolute URL and, for byte ranges, where it starts (and how long it is). */
export interface PartSource {
  url: string
  /** Start of the range; undefined for a part that is a whole resource. */
  offset?: number
  /** Known once the part is listed; a hint with no BYTERANGE-LENGTH does not say. */
  length?: number
}

/** Identity of a part across playlist reloads: a preload hint and the part it becomes share it. */
export function partIdentity(source: PartSource): string {
  return source.offset === undefined ? source.url : `${source.url}@${source.offset}`
}

export function byteRangeOf(source: PartSource): ByteRange | undefined {
  return source.offset === undefined || source.length === undefined ? undefined : { offset: source.offset, length: source.length }
}

export interface PartTag {
  source: PartSource
  duration: number
  /** Attributes other than URI and BYTERANGE, raw, to write back unchanged. */
  rest: Array<[string, string]>
}

/**
 * Reads an EXT-X-PART value. `nextOffset` holds where the previous byte-range part of each URL ended: a BYTERANGE
 * without `@offset` continues from there (RFC 8216bis 4.4.4.9). Returns null for a part that cannot be used.
 */
export function readPart(value: string, base: string, nextOffset: Map<string, number>): PartTag | null {
  const uri = attribute(value, 'URI')
  const duration = Number(attribute(value, 'DURATION'))
  const url = resolveLinked(uri, base)
  if (!url || !Number.isFinite(duration) || duration <= 0) return null
  const rest = parseAttributes(value).filter(([key]) => key !== 'URI' && key !== 'BYTERANGE')
  const rangeText = attribute(value, 'BYTERANGE')
  if (rangeText === undefined) return { source: { url }, duration, rest }
  const range = parseByteRange(rangeText)
  if (!range) return null
  const { length } = range
  const offset = range.offset ?? nextOffset.get(url) ?? 0
  if (!Number.isSafeInteger(offset + length)) return null
  nextOffset.set(url, offset + length)
  return { source: { url, offset, length }, duration, rest }
}

export interface PreloadHint {
  type: string
  source: PartSource
  rest: Array<[string, string]>
}

/** Reads an EXT-X-PRELOAD-HINT value; null when it names nothing usable. */
export function readPreloadHint(value: string, base: string): PreloadHint | null {
  const type = attribute(value, 'TYPE')
  const url = resolveLinked(attribute(value, 'URI'), base)
  if (!url || (type !== 'PART' && type !== 'MAP')) return null
  const startText = attribute(value, 'BYTERANGE-START')
  const lengthText = attribute(value, 'BYTERANGE-LENGTH')
  const offset = startText === undefined ? undefined : wholeNumber(startText)
  const length = lengthText === undefined ? undefined : wholeNumber(lengthText)
  if (offset === null || length === null) return null
  const rest = parseAttributes(value).filter(([key]) => !['TYPE', 'URI', 'BYTERANGE-START', 'BYTERANGE-LENGTH'].includes(key))
  // A hint with only a length starts at 0 (RFC 8216bis 4.4.5.3).
  const start = offset ?? (length === undefined ? undefined : 0)
  return { type, source: { url, offset: start, length }, rest }
}

export function formatAttributes(pairs: Array<[string, string]>): string {
  return pairs.map(([key, value]) => `${key}=${value}`).join(',')
}

/**
 * Rewrites an EXT-X-SERVER-CONTROL value to what the origin really does: blocking reload in `on` mode, part hold-back
 * only while parts are served, and never CAN-SKIP-UNTIL (delta updates are not implemented). Returns the new value
 * (null: drop the tag) and the attributes removed, for the log. With parts served, blocking reload is advertised
 * whether or not the upstream did: the origin implements it, and RFC 8216bis requires it of a server with parts.
 */
export function rewriteServerControl(
  value: string,
  mode: LowLatencyMode,
  servesParts: boolean,
): { value: string | null; removed: string[] } {
  const allowed = new Set(['HOLD-BACK'])
  if (mode === 'on') allowed.add('CAN-BLOCK-RELOAD')
  if (mode === 'on' && servesParts) allowed.add('PART-HOLD-BACK')
  const pairs = parseAttributes(value)
  const kept = pairs.filter(([key]) => allowed.has(key))
  const removed = pairs.filter(([key]) => !allowed.has(key)).map(([key]) => key)
  const blocking = kept.find(([key]) => key === 'CAN-BLOCK-RELOAD')
  if (servesParts && blocking?.[1] !== 'YES') {
    if (blocking) blocking[1] = 'YES'
    else kept.unshift(['CAN-BLOCK-RELOAD', 'YES'])
  }
  return { value: kept.length > 0 ? formatAttributes(kept) : null, removed }
}

/** A URI a playlist tag names, resolved; null unless it is a URL the origin can read (http(s), file). */
export function resolveLinked(uri: string | undefined, base: string): string | null {
  if (!uri) return null
  try {
    const url = new URL(uri, base)
    return url.protocol === 'http:' || url.protocol === 'https:' || url.protocol === 'file:' ? url.href : null
  } catch {
    return null
  }
}

function wholeNumber(text: string): number | null {
  return /^\d{1,15}$/.test(text) ? Number(text) : null
}
