// A real-time LL-HLS upstream (RFC 8216bis) for tests and benchmarks. No LL-HLS packager is on these machines, so
// this one cuts real ffmpeg output into parts: ffmpeg encodes a stream with one keyframe per part and cuts it into
// part-long files; each segment is the concatenation of `partsPerSegment` of them, and each part a byte range of
// its segment. Parts are published on the real schedule (one every part duration), with blocking playlist reload,
// a preload hint that answers when its part exists, and (for two renditions) rendition reports.
import { createServer, type IncomingMessage, type ServerResponse, type Server } from 'node:http'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { AddressInfo } from 'node:net'
import { makeTsVod } from './media.js'
import { closeServer } from './live-upstream.js'

export interface LowLatencyUpstreamOptions {
  /** Length of the encoded material in parts; a multiple of partsPerSegment (it loops, with a discontinuity). */
  loopParts?: number
  partsPerSegment?: number
  /** Complete segments in the playlist window. */
  windowSegments?: number
  /** Complete segments whose parts stay listed. */
  partSegments?: number
  /** Parts already published when the server starts. */
  initialParts?: number
  /** Media playlists served (`r0`, `r1`, ...), same media, each reporting the others. */
  renditions?: number
}

export interface UpstreamCounts {
  playlists: number
  blockingPlaylists: number
  parts: number
  segments: number
  notFound: number
}

const PART_SECONDS = 1

/** Encodes `loopParts` one-second parts of real H.264/AAC with ffmpeg, one keyframe each. */
async function encodeParts(dir: string, loopParts: number): Promise<Buffer[]> {
  await makeTsVod(dir, { segments: loopParts, segmentSeconds: PART_SECONDS })
  return Promise.all(Array.from({ length: loopParts }, (_, index) => readFile(join(dir, `seg${index}.ts`))))
}

export class LowLatencyUpstream {
  /** Parts published so far (parts 0 .. published-1 exist). */
  published: number
  readonly counts: UpstreamCounts = { playlists: 0, blockingPlaylists: 0, parts: 0, segments: 0, notFound: 0 }
  private server: Server | null = null
  private timer: NodeJS.Timeout | null = null
  private readonly waiters = new Set<() => void>()
  private readonly partsPerSegment: number
  private readonly windowSegments: number
  private readonly partSegments: number
  private readonly renditions: number
  port = 0

  private constructor(
    private readonly media: Buffer[],
    options: LowLatencyUpstreamOptions,
  ) {
    this.partsPerSegment = options.partsPerSegment ?? 4
    this.windowSegments = options.windowSegments ?? 6
    this.partSegments = options.partSegments ?? 3
    this.renditions = options.renditions ?? 1
    this.published = options.initialParts ?? this.partsPerSegment * 3
    if (media.length % this.partsPerSegment !== 0) throw new Error('loopParts must be a multiple of partsPerSegment')
  }

  static async create(workDir: string, options: LowLatencyUpstreamOptions = {}): Promise<LowLatencyUpstream> {
    const media = await encodeParts(workDir, options.loopParts ?? 40)
    return new LowLatencyUpstream(media, options)
  }

  get targetDuration(): number {
    return this.partsPerSegment * PART_SECONDS
  }

  /** A media playlist (`r0` unless renditions > 1 and another is asked for). */
  url(rendition = 0): string {
    return `http://127.0.0.1:${this.port}/r${rendition}/index.m3u8`
  }

  get masterUrl(): string {
    return `http://127.0.0.1:${this.port}/master.m3u8`
  }

  async start(): Promise<void> {
    const server = createServer((req, res) => void this.handle(req, res))
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve))
    this.server = server
    this.port = (server.address() as AddressInfo).port
    this.timer = setInterval(() => this.publishPart(), PART_SECONDS * 1000)
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer)
    this.timer = null
    for (const wake of this.waiters) wake()
    await closeServer(this.server)
    this.server = null
  }

  private publishPart(): void {
    this.published++
    for (const wake of [...this.waiters]) wake()
  }

  private part(index: number): Buffer {
    return this.media[index % this.media.length]!
  }

  /** Byte offset of part `index` inside its segment's file. */
  private offsetOf(index: number): number {
    let offset = 0
    for (let k = index - (index % this.partsPerSegment); k < index; k++) offset += this.part(k).length
    return offset
  }

  /** The published bytes of segment `msn` (all of it once complete). */
  private segmentBytes(msn: number): Buffer {
    const first = msn * this.partsPerSegment
    const count = Math.max(0, Math.min(this.partsPerSegment, this.published - first))
    return Buffer.concat(Array.from({ length: count }, (_, k) => this.part(first + k)))
  }

  private discontinuityBefore(msn: number): boolean {
    return msn > 0 && (msn * this.partsPerSegment) % this.media.length === 0
  }

  playlist(rendition: number): string {
    const pps = this.partsPerSegment
    const complete = Math.floor(this.published / pps)
    const first = Math.max(0, complete - this.windowSegments)
    const discontinuities = Array.from({ length: first }, (_, m) => this.discontinuityBefore(m)).filter(Boolean).length
    const lines = [
      '#EXTM3U',
      '#EXT-X-VERSION:6',
      `#EXT-X-TARGETDURATION:${this.targetDuration}`,
      `#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=${(3 * PART_SECONDS).toFixed(1)},CAN-SKIP-UNTIL=${6 * this.targetDuration}`,
      `#EXT-X-PART-INF:PART-TARGET=${PART_SECONDS.toFixed(1)}`,
      `#EXT-X-MEDIA-SEQUENCE:${first}`,
      `#EXT-X-DISCONTINUITY-SEQUENCE:${discontinuities}`,
    ]
    for (let msn = first; msn < complete; msn++) {
      if (this.discontinuityBefore(msn)) lines.push('#EXT-X-DISCONTINUITY')
      if (msn >= complete - this.partSegments) lines.push(...this.partLines(msn, pps))
      lines.push(`#EXTINF:${(pps * PART_SECONDS).toFixed(3)},`, `seg${msn}.ts`)
    }
    const inProgress = this.published - complete * pps
    if (this.discontinuityBefore(complete)) lines.push('#EXT-X-DISCONTINUITY')
    lines.push(...this.partLines(complete, inProgress))
    const next = complete * pps + inProgress
    lines.push(`#EXT-X-PRELOAD-HINT:TYPE=PART,URI="seg${complete}.ts",BYTERANGE-START=${this.offsetOf(next)}`)
    const last = inProgress > 0 ? `LAST-MSN=${complete},LAST-PART=${inProgress - 1}` : `LAST-MSN=${complete - 1},LAST-PART=${pps - 1}`
    for (let other = 0; other < this.renditions; other++) {
      if (other !== rendition) lines.push(`#EXT-X-RENDITION-REPORT:URI="../r${other}/index.m3u8",${last}`)
    }
    return lines.join('\n') + '\n'
  }

  private partLines(msn: number, count: number): string[] {
    const first = msn * this.partsPerSegment
    return Array.from({ length: count }, (_, k) => {
      const index = first + k
      const range = `${this.part(index).length}@${this.offsetOf(index)}`
      return `#EXT-X-PART:DURATION=${PART_SECONDS.toFixed(3)},URI="seg${msn}.ts",BYTERANGE=${range},INDEPENDENT=YES`
    })
  }

  private masterPlaylist(): string {
    const lines = ['#EXTM3U', '#EXT-X-VERSION:6']
    for (let r = 0; r < this.renditions; r++) lines.push(`#EXT-X-STREAM-INF:BANDWIDTH=${300_000 + r * 100_000}`, `r${r}/index.m3u8`)
    return lines.join('\n') + '\n'
  }

  /** Waits until `ready()` or 3 target durations (RFC 8216bis), whichever comes first. */
  private async until(ready: () => boolean): Promise<boolean> {
    const deadline = Date.now() + 3 * this.targetDuration * 1000
    while (!ready()) {
      if (Date.now() >= deadline || !this.server) return false
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, deadline - Date.now())
        const wake = (): void => {
          clearTimeout(timer)
          this.waiters.delete(wake)
          resolve()
        }
        this.waiters.add(wake)
      })
    }
    return true
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://upstream')
    if (url.pathname === '/master.m3u8')
      return void res.writeHead(200, { 'content-type': 'application/vnd.apple.mpegurl' }).end(this.masterPlaylist())
    const playlist = /^\/r(\d+)\/index\.m3u8$/.exec(url.pathname)
    if (playlist && Number(playlist[1]) < this.renditions) return this.servePlaylist(Number(playlist[1]), url, res)
    const segment = /^\/r\d+\/seg(\d+)\.ts$/.exec(url.pathname)
    if (segment) return this.serveSegment(Number(segment[1]), req.headers.range, res)
    this.counts.notFound++
    res.writeHead(404).end('not found')
  }

  private async servePlaylist(rendition: number, url: URL, res: ServerResponse): Promise<void> {
    this.counts.playlists++
    const msnText = url.searchParams.get('_HLS_msn')
    if (msnText !== null) {
      this.counts.blockingPlaylists++
      const msn = Number(msnText)
      const partText = url.searchParams.get('_HLS_part')
      const part = partText === null ? null : Number(partText)
      const pps = this.partsPerSegment
      const held = await this.until(() => (part === null ? (msn + 1) * pps <= this.published : msn * pps + part < this.published))
      if (!held) return void res.writeHead(503).end('not yet')
    }
    res.writeHead(200, { 'content-type': 'application/vnd.apple.mpegurl', 'cache-control': 'no-cache' }).end(this.playlist(rendition))
  }

  /** A segment, or a byte range of it; a range that is not published yet is answered once it is (preload hints). */
  private async serveSegment(msn: number, rangeHeader: string | undefined, res: ServerResponse): Promise<void> {
    const range = rangeHeader ? /^bytes=(\d+)-(\d*)$/.exec(rangeHeader) : null
    const start = range ? Number(range[1]) : 0
    const wanted = range && range[2] !== '' ? Number(range[2]) + 1 : null
    const complete = (): boolean => (msn + 1) * this.partsPerSegment <= this.published
    const ready = (): boolean => {
      const have = this.segmentBytes(msn).length
      return complete() || (range !== null && have > start && (wanted === null || have >= wanted))
    }
    if (msn * this.partsPerSegment >= this.published + this.partsPerSegment || !(await this.until(ready))) {
      this.counts.notFound++
      return void res.writeHead(404).end('not found')
    }
    const bytes = this.segmentBytes(msn)
    if (!range) {
      this.counts.segments++
      return void res.writeHead(200, { 'content-type': 'video/mp2t', 'content-length': bytes.length }).end(bytes)
    }
    this.counts.parts++
    const end = Math.min(bytes.length, wanted ?? bytes.length)
    const total = complete() ? String(bytes.length) : '*'
    res
      .writeHead(206, {
        'content-type': 'video/mp2t',
        'content-range': `bytes ${start}-${end - 1}/${total}`,
        'content-length': end - start,
      })
      .end(bytes.subarray(start, end))
  }
}
