import { open, readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import type { ByteRange } from './playlist/parse.js'

/** A failure to read from the upstream feed, with a message that names what and why. */
export class UpstreamError extends Error {
  constructor(
    message: string,
    readonly url: string,
    readonly status?: number,
  ) {
    super(message)
  }
}

export interface UpstreamOptions {
  /** Per-request timeout for HTTP upstreams. */
  timeoutMs: number
}

/**
 * Reads playlists and media from the feed: `file:` URLs for folders, `http(s):` for remote feeds.
 * One interface for both, so the ingest logic does not care where a feed lives.
 */
export class Upstream {
  constructor(private readonly options: UpstreamOptions) {}

  /**
   * Reads a playlist. `url` is where it ended up after redirects: the base its relative URIs resolve against
   * (as in browsers), while the next poll still asks the original URL.
   */
  async playlist(url: string): Promise<{ text: string; url: string }> {
    const { bytes, finalUrl } = await this.read(url)
    return { text: Buffer.from(bytes).toString('utf8'), url: finalUrl }
  }

  async bytes(url: string, range?: ByteRange): Promise<Uint8Array> {
    return (await this.read(url, range)).bytes
  }

  private async read(url: string, range?: ByteRange): Promise<{ bytes: Uint8Array; finalUrl: string }> {
    const parsed = new URL(url)
    if (parsed.protocol === 'file:') return { bytes: await readLocal(parsed, range), finalUrl: url }
    if (parsed.protocol === 'http:' || parsed.protocol === 'https:') return this.fetchRemote(url, range)
    throw new UpstreamError(`unsupported URL scheme ${parsed.protocol} in ${url}`, url)
  }

  private async fetchRemote(url: string, range?: ByteRange): Promise<{ bytes: Uint8Array; finalUrl: string }> {
    const headers: Record<string, string> = {}
    if (range) headers.range = `bytes=${range.offset}-${range.offset + range.length - 1}`
    let response: Response
    try {
      response = await fetch(url, { headers, signal: AbortSignal.timeout(this.options.timeoutMs), redirect: 'follow' })
    } catch (err) {
      throw new UpstreamError(`cannot reach ${url}: ${describeFetchError(err)}`, url)
    }
    if (!response.ok) {
      await response.body?.cancel()
      throw new UpstreamError(`${url} answered HTTP ${response.status} ${response.statusText}`.trim(), url, response.status)
    }
    const body = new Uint8Array(await response.arrayBuffer())
    const finalUrl = response.url || url
    if (!range) return { bytes: body, finalUrl }
    // A server that ignores Range sends the whole resource with 200: cut the range out ourselves.
    const slice = response.status === 206 ? body : body.subarray(range.offset, range.offset + range.length)
    if (slice.length !== range.length) {
      throw new UpstreamError(`${url} returned ${slice.length} bytes for a ${range.length}-byte range`, url)
    }
    return { bytes: slice, finalUrl }
  }
}

function describeFetchError(err: unknown): string {
  if (err instanceof Error && err.name === 'TimeoutError') return 'timed out'
  const cause = err instanceof Error ? (err.cause as { code?: string; message?: string } | undefined) : undefined
  return cause?.code ?? cause?.message ?? (err instanceof Error ? err.message : String(err))
}

async function readLocal(url: URL, range?: ByteRange): Promise<Uint8Array> {
  const path = fileURLToPath(url)
  try {
    if (!range) return await readFile(path)
    const handle = await open(path, 'r')
    try {
      const buffer = Buffer.alloc(range.length)
      const { bytesRead } = await handle.read(buffer, 0, range.length, range.offset)
      if (bytesRead !== range.length) throw new UpstreamError(`${path} is shorter than the byte range it is listed with`, url.href)
      return buffer
    } finally {
      await handle.close()
    }
  } catch (err) {
    if (err instanceof UpstreamError) throw err
    const code = (err as NodeJS.ErrnoException).code
    const status = code === 'ENOENT' ? 404 : undefined
    throw new UpstreamError(`cannot read ${path}: ${code ?? (err as Error).message}`, url.href, status)
  }
}
