import { Parser } from 'm3u8-parser'
import { tryResolve } from '../protocol/playlist-magnets.js'
import type { Variant } from './core/ladders.js'

/**
 * The variant streams of a master playlist, with absolute URLs (resolved against the master's), as m3u8-parser
 * reads them; variants without a BANDWIDTH or an http(s) URI are left out. Not a master: none.
 */
export function readVariants(text: string, masterUrl: string): Variant[] {
  const parser = new Parser()
  try {
    parser.push(text)
    parser.end()
  } catch (err) {
    console.warn(`live-torrent: cannot read the master playlist ${masterUrl}`, err)
    return []
  }
  const variants: Variant[] = []
  for (const playlist of parser.manifest.playlists ?? []) {
    const bandwidth = Number(playlist.attributes.BANDWIDTH)
    const url = tryResolve(playlist.uri, masterUrl)
    if (url && Number.isFinite(bandwidth) && bandwidth > 0) variants.push({ url, bandwidth })
  }
  return variants
}
