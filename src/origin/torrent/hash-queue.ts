import pLimit from 'p-limit'
import { hashSegment, type SegmentTorrent } from './segment-torrent.js'

export interface HashObserver {
  (seconds: number, bytes: number): void
}

/**
 * Hashes segments with bounded concurrency, off the request path: ingest calls it when a segment is first seen,
 * requests only ever read finished results. Each hash yields to the event loop first so that a burst of new
 * segments (a VOD being prepared) never starves HTTP requests.
 */
export class HashQueue {
  private readonly limit: ReturnType<typeof pLimit>

  constructor(
    concurrency: number,
    private readonly onHashed?: HashObserver,
  ) {
    this.limit = pLimit(Math.max(1, concurrency))
  }

  hash(bytes: Uint8Array, name: string): Promise<SegmentTorrent> {
    return this.limit(async () => {
      await new Promise<void>((resolve) => setImmediate(resolve))
      const start = process.hrtime.bigint()
      const torrent = hashSegment(bytes, name)
      this.onHashed?.(Number(process.hrtime.bigint() - start) / 1e9, bytes.length)
      return torrent
    })
  }
}
