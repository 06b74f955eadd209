import { createHash } from 'node:crypto'
import { createServer, type AddressInfo } from 'node:net'
import bencode from 'bencode'
import parseTorrent from 'parse-torrent'
import { pino } from 'pino'
import { Origin, type StartOptions } from '../../src/origin/origin.js'
import type { OriginConfig } from '../../src/origin/config.js'
import type { SourceSpec } from '../../src/origin/sources/resolve.js'
import { parseMagnetLine } from '../../src/protocol/magnet-line.js'
import { parseMagnetUri, type SegmentMagnet } from '../../src/protocol/magnet.js'

/** A port nobody listens on right now (so a test can give an origin a port it knows in advance). */
export async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise((resolve) => server.close(resolve))
  return port
}

/** Starts an origin on a free port with logs kept quiet (LOG_LEVEL=debug to see them). */
export async function startOrigin(spec: SourceSpec, config: Partial<OriginConfig> = {}, options: StartOptions = {}): Promise<Origin> {
  const logger = options.logger ?? pino({ level: process.env.LOG_LEVEL ?? 'silent' })
  return Origin.start(spec, { port: 0, ...config }, { ...options, logger })
}

export async function getText(url: string, init?: RequestInit): Promise<{ status: number; text: string; headers: Headers }> {
  const response = await fetch(url, init)
  return { status: response.status, text: await response.text(), headers: response.headers }
}

export async function getBytes(url: string, init?: RequestInit): Promise<{ status: number; bytes: Buffer; headers: Headers }> {
  const response = await fetch(url, init)
  return { status: response.status, bytes: Buffer.from(await response.arrayBuffer()), headers: response.headers }
}

/** A media playlist entry as a test sees it: the URI line, the magnet above it, and the tags before that. */
export interface PlaylistEntry {
  uri: string
  magnet: SegmentMagnet | null
  tags: string[]
}

export function playlistEntries(text: string): PlaylistEntry[] {
  const entries: PlaylistEntry[] = []
  let tags: string[] = []
  let magnet: SegmentMagnet | null = null
  for (const line of text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)) {
    const uri = parseMagnetLine(line)
    if (uri !== null) magnet = parseMagnetUri(uri)
    else if (line.startsWith('#')) tags.push(line)
    else {
      entries.push({ uri: line, magnet, tags })
      tags = []
      magnet = null
    }
  }
  return entries
}

export function mediaSequence(text: string): number {
  const match = /^#EXT-X-MEDIA-SEQUENCE:(\d+)/m.exec(text)
  if (!match) throw new Error('no EXT-X-MEDIA-SEQUENCE')
  return Number(match[1])
}

/**
 * Checks one segment's magnet against what the origin serves: the .torrent at `xs` hashes (SHA-1 of its bencoded
 * info) to the magnet's btih, and its piece hashes match the bytes at `ws`. Returns the segment bytes.
 */
export async function verifySegmentMagnet(magnet: SegmentMagnet): Promise<Buffer> {
  const torrentResponse = await getBytes(magnet.torrentUrl)
  if (torrentResponse.status !== 200) throw new Error(`${magnet.torrentUrl}: HTTP ${torrentResponse.status}`)
  const decoded = bencode.decode(torrentResponse.bytes)
  const infoHash = createHash('sha1').update(bencode.encode(decoded.info)).digest('hex')
  if (infoHash !== magnet.infoHash) throw new Error(`torrent info hashes to ${infoHash}, magnet says ${magnet.infoHash}`)
  const parsed = await parseTorrent(torrentResponse.bytes)
  const body = await getBytes(magnet.webSeed)
  if (body.status !== 200) throw new Error(`${magnet.webSeed}: HTTP ${body.status}`)
  if (body.bytes.length !== parsed.length) throw new Error(`web seed has ${body.bytes.length} bytes, torrent says ${parsed.length}`)
  const pieceLength = parsed.pieceLength!
  parsed.pieces!.forEach((expected, index) => {
    const piece = body.bytes.subarray(index * pieceLength, (index + 1) * pieceLength)
    const actual = createHash('sha1').update(piece).digest('hex')
    if (actual !== expected) throw new Error(`piece ${index} of ${magnet.webSeed} does not match the torrent`)
  })
  return body.bytes
}

/** Polls until `check` returns a value (not undefined/false) or the time runs out. */
export async function eventually<T>(
  check: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 20_000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs
  let lastError: unknown
  while (Date.now() < deadline) {
    try {
      const value = await check()
      if (value !== undefined && value !== false) return value
    } catch (err) {
      lastError = err
    }
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  throw new Error(`timed out waiting for ${what}${lastError ? `: ${(lastError as Error).message}` : ''}`)
}
