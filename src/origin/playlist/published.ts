import type { SegmentTorrent } from '../torrent/segment-torrent.js'
import type { ByteRange } from './parse.js'

/** A segment as the origin serves it: hashed, named under the origin, with its tags ready to render. */
export interface PublishedSegment {
  /** The origin's media sequence number (monotonic, never reused in one rendition). */
  sequence: number
  duration: number
  /** Render an EXT-X-DISCONTINUITY before this segment. */
  discontinuity: boolean
  /** Upstream tag lines with URIs rewritten; EXT-X-DISCONTINUITY is carried by `discontinuity` instead. */
  tags: string[]
  /** The EXT-X-MAP / EXT-X-KEY lines in force for this segment, re-emitted when it heads the window. */
  mapLine?: string
  keyLine?: string
  /** The URI line, relative to the playlist. */
  uri: string
  /** Origin path (no leading slash) of the segment's exact bytes: the web seed and the .torrent's base. */
  path: string
  /** The segment's own URL upstream, when segments stay where they live: its web seed, and the origin serves no bytes. */
  webSeed?: string
  /** Byte range of this segment inside the resource the playlist URI names, when the upstream used byte ranges. */
  byteRange?: ByteRange
  /** Key into the segment body cache. */
  bodyKey: string
  torrent: SegmentTorrent
  /** The body outlives this publication (a looped VOD republishes the same bytes). */
  keepBody?: boolean
}
