import type { ByteRange } from './playlist/parse.js'
import type { Upstream } from './upstream.js'

const MAX_ENTRIES = 128
const MAX_ENTRY_BYTES = 2 * 1024 * 1024
const TTL_MS = 60_000

/**
 * Small proxied resources (init segments, keys, sub-ranges) cached for a minute, so that a crowd of viewers
 * joining at once costs the upstream one request, not one each. Concurrent misses share one fetch.
 */
export class AssetCache {
  private readonly entries = new Map<string, { at: number; bytes: Promise<Uint8Array> }>()

  constructor(private readonly upstream: Upstream) {}

  get(url: string, range?: ByteRange): Promise<Uint8Array> {
    const key = range ? `${url} ${range.offset}+${range.length}` : url
    const hit = this.entries.get(key)
    if (hit && Date.now() - hit.at < TTL_MS) return hit.bytes
    const bytes = this.upstream.bytes(url, range)
    this.entries.set(key, { at: Date.now(), bytes })
    bytes.then(
      (value) => value.length > MAX_ENTRY_BYTES && this.entries.delete(key),
      () => this.entries.delete(key),
    )
    while (this.entries.size > MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value!)
    return bytes
  }
}
