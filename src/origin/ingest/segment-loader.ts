import pLimit from 'p-limit'
import type { OriginContext } from '../context.js'
import type { UpstreamSegment } from '../playlist/parse.js'
import type { SegmentTorrent } from '../torrent/segment-torrent.js'

export interface LoadedSegment {
  upstream: UpstreamSegment
  torrent: SegmentTorrent
  bodyKey: string
}

/** Fetches segments from upstream (bounded concurrency), keeps their bytes in the body cache and hashes them. */
export class SegmentLoader {
  private readonly fetchLimit: ReturnType<typeof pLimit>

  constructor(
    private readonly ctx: OriginContext,
    concurrency: number,
  ) {
    this.fetchLimit = pLimit(Math.max(1, concurrency))
  }

  /** `name` is the file name inside the torrent; `bodyKey` must be unique within the origin. */
  async load(upstream: UpstreamSegment, name: string, bodyKey: string): Promise<LoadedSegment> {
    const bytes = await this.fetchLimit(() => this.ctx.upstream.bytes(upstream.url, upstream.byteRange))
    const torrent = await this.ctx.hashQueue.hash(bytes, name)
    this.ctx.bodies.put(bodyKey, bytes, upstream.url, upstream.byteRange)
    return { upstream, torrent, bodyKey }
  }
}

/** The EXT-X-MAP and EXT-X-KEY lines in force for each segment of a playlist, in playlist order. */
export function stateTags(segments: readonly UpstreamSegment[]): Array<{ mapLine?: string; keyLine?: string }> {
  let mapLine: string | undefined
  let keyLine: string | undefined
  return segments.map((segment) => {
    for (const tag of segment.tags) {
      if (tag.name === 'EXT-X-MAP') mapLine = tag.raw
      if (tag.name === 'EXT-X-KEY') keyLine = tag.raw
    }
    return { mapLine, keyLine }
  })
}
