import { attribute, rewriteUriAttribute, type PlaylistLine } from './lines.js'
import { PlaylistError, type MasterPlaylist } from './parse.js'

/** A media playlist a master playlist refers to, and the origin directory it is served under. */
export interface MasterReference {
  url: string
  dir: string
}

/** Tags whose URI attribute names a media playlist. */
const MEDIA_TAGS = new Set(['EXT-X-MEDIA', 'EXT-X-I-FRAME-STREAM-INF'])
/** Tags whose URI attribute names some other resource, proxied as an asset. */
const ASSET_TAGS = new Set(['EXT-X-SESSION-KEY', 'EXT-X-SESSION-DATA'])

/**
 * Rewrites a master playlist so that every media playlist it names (variants, alternate renditions in
 * EXT-X-MEDIA, I-frame playlists) is served by the origin under a directory of its own. Every other line is kept.
 */
/**
 * Media playlists a master may name at most. Each one is followed and hashed on its own; a master naming
 * thousands (found by the playlist fuzz) would have the origin poll thousands of playlists.
 */
export const MAX_MASTER_REFERENCES = 256

export function rewriteMaster(master: MasterPlaylist, assetFor: (url: string) => string): { text: string; references: MasterReference[] } {
  const byUrl = new Map<string, MasterReference>()
  const perPrefix = new Map<string, number>()
  const refer = (uri: string, prefix: string): string => {
    const url = resolveUri(uri, master.url)
    let reference = byUrl.get(url)
    if (!reference) {
      if (byUrl.size >= MAX_MASTER_REFERENCES)
        throw new PlaylistError(`the master playlist names more than ${MAX_MASTER_REFERENCES} media playlists`, master.url)
      const index = perPrefix.get(prefix) ?? 0
      perPrefix.set(prefix, index + 1)
      reference = { url, dir: `${prefix}${index}/` }
      byUrl.set(url, reference)
    }
    return `${reference.dir}index.m3u8`
  }
  const out = master.lines.map((line) => rewriteLine(line, refer, (uri) => assetFor(resolveUri(uri, master.url))))
  return { text: out.join('\n') + '\n', references: [...byUrl.values()] }
}

function resolveUri(uri: string, base: string): string {
  try {
    return new URL(uri, base).href
  } catch {
    throw new PlaylistError(`malformed URI in the master playlist: ${JSON.stringify(uri.slice(0, 100))}`, base)
  }
}

function rewriteLine(line: PlaylistLine, refer: (uri: string, prefix: string) => string, asset: (uri: string) => string): string {
  if (line.kind === 'uri') return refer(line.uri, 'v')
  if (line.kind === 'comment') return line.raw
  if (MEDIA_TAGS.has(line.name) && line.value) {
    const prefix = line.name === 'EXT-X-I-FRAME-STREAM-INF' ? 'i' : mediaPrefix(attribute(line.value, 'TYPE'))
    return rewriteUriAttribute(line.raw, (uri) => refer(uri, prefix))
  }
  if (ASSET_TAGS.has(line.name)) return rewriteUriAttribute(line.raw, (uri) => (/^data:/i.test(uri) ? uri : asset(uri)))
  return line.raw
}

function mediaPrefix(type: string | undefined): string {
  if (type === 'AUDIO') return 'a'
  if (type === 'SUBTITLES') return 's'
  return 'm'
}
