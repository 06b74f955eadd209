import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { createServer as createHttpServer } from 'node:http'
import { createServer as createNetServer, type AddressInfo } from 'node:net'
import { Writable } from 'node:stream'
import { after, describe, it } from 'node:test'
import { pino, type Logger } from 'pino'
import { Origin, PortInUseError } from '../src/origin/origin.js'
import { resolveSource, SAMPLE_PLAYLIST } from '../src/origin/sources/resolve.js'
import { LiveUpstream } from './support/live-upstream.js'
import { eventually, freePort, getBytes, getText, mediaSequence, playlistEntries, startOrigin } from './support/origin.js'

const ROOT = new URL('..', import.meta.url).pathname

/** A pino logger that keeps its lines, so a test can check what was logged. */
function capturingLogger(): { logger: Logger; lines: Array<{ level: number; msg: string }> } {
  const lines: Array<{ level: number; msg: string }> = []
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(line) as { level: number; msg: string })
      done()
    },
  })
  return { logger: pino({ level: 'info' }, stream) as Logger, lines }
}

/** The served window as (uri, upstream segment number, tags) by reading each segment's bytes. */
async function servedWindow(
  origin: Origin,
): Promise<{ sequence: number; entries: Array<{ uri: string; upstream: number; tags: string[] }> }> {
  const { status, text } = await getText(origin.playlistUrl)
  assert.equal(status, 200)
  const entries = []
  for (const entry of playlistEntries(text)) {
    const { status: segmentStatus, bytes } = await getBytes(new URL(entry.uri, origin.playlistUrl).href)
    assert.equal(segmentStatus, 200, `${entry.uri} is served`)
    const match = /^upstream segment (\d+)\n/.exec(bytes.subarray(0, 40).toString('latin1'))
    assert.ok(match, `${entry.uri} holds an upstream segment`)
    entries.push({ uri: entry.uri, upstream: Number(match[1]), tags: entry.tags })
  }
  return { sequence: mediaSequence(text), entries }
}

function assertConsecutive(window: Awaited<ReturnType<typeof servedWindow>>): void {
  window.entries.forEach((entry, index) =>
    assert.equal(entry.uri, `seg${window.sequence + index}.ts`, 'media sequence + index names each segment'),
  )
}

async function upstreamErrors(origin: Origin, kind: string): Promise<number> {
  const { text } = await getText(new URL('metrics', origin.url).href)
  const match = new RegExp(`^live_torrent_upstream_errors_total\\{kind="${kind}"\\} (\\d+)`, 'm').exec(text)
  return match ? Number(match[1]) : 0
}

describe('bad input at start: one clear message', () => {
  it('an unreachable remote URL', async () => {
    const url = 'http://127.0.0.1:1/x.m3u8'
    await assert.rejects(startOrigin({ kind: 'remote', url }), (err: Error) => {
      assert.ok(err.message.includes(url), err.message)
      assert.match(err.message, /cannot reach/)
      return true
    })
  })

  it('a URL that answers HTML instead of a playlist', async () => {
    const server = createHttpServer((_req, res) =>
      res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><html><body>hello</body></html>'),
    )
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/live.m3u8`
      await assert.rejects(startOrigin({ kind: 'remote', url }), /not an HLS playlist/)
    } finally {
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
    }
  })

  it('a port in use: PortInUseError naming the port and --port', async () => {
    const port = await freePort()
    const first = await startOrigin({ kind: 'sample' }, { port, windowSegments: 2 })
    try {
      await assert.rejects(startOrigin({ kind: 'sample' }, { port, windowSegments: 2 }), (err: Error) => {
        assert.ok(err instanceof PortInUseError, `a PortInUseError, got ${err.name}: ${err.message}`)
        assert.ok(err.message.includes(String(port)), err.message)
        assert.match(err.message, /--port/)
        return true
      })
      // The first origin is unharmed.
      assert.equal((await getText(first.playlistUrl)).status, 200)
    } finally {
      await first.stop()
    }
  })

  it('ffmpeg missing: says how to install it', async () => {
    await assert.rejects(
      startOrigin({ kind: 'video', path: SAMPLE_PLAYLIST.replace(/stream\.m3u8$/, 'seg000.ts') }, { ffmpegPath: '/nonexistent/ffmpeg' }),
      /apt-get install/,
    )
  })

  it('a source path that does not exist', async () => {
    await assert.rejects(resolveSource('nope/nothing'), /source not found/)
  })
})

describe('bad input while live: the last good playlist keeps being served', () => {
  const upstreams: LiveUpstream[] = []
  const origins: Origin[] = []
  after(async () => {
    for (const origin of origins) await origin.stop()
    for (const upstream of upstreams) await upstream.stop()
  })
  const live = async (windowSize = 4): Promise<LiveUpstream> => {
    const upstream = new LiveUpstream(windowSize)
    upstreams.push(upstream)
    await upstream.start()
    return upstream
  }

  it('a playlist that turns to garbage, then back', async () => {
    const upstream = await live()
    const { logger, lines } = capturingLogger()
    const origin = await startOrigin({ kind: 'remote', url: upstream.url }, { windowSegments: 3 }, { logger })
    origins.push(origin)
    await origin.whenReady()
    await eventually(async () => playlistEntries((await getText(origin.playlistUrl)).text).length === 3, 5000, 'a full window')

    upstream.garbage = '<<<< this is \u0000 not a playlist >>>>\n'
    await eventually(async () => (await upstreamErrors(origin, 'playlist')) > 0, 5000, 'the playlist error to be counted')
    const before = await getText(origin.playlistUrl)
    assert.equal(before.status, 200)
    await new Promise((resolve) => setTimeout(resolve, 1200))
    const during = await getText(origin.playlistUrl)
    assert.equal(during.status, 200)
    assert.equal(during.text, before.text, 'the last good playlist, unchanged, while the upstream is garbage')
    assertConsecutive(await servedWindow(origin))
    const errorLine = lines.find((line) => line.level >= 50 && /not an HLS playlist/.test(line.msg))
    assert.ok(errorLine, `an error is logged: ${JSON.stringify(lines.slice(-3))}`)

    // Broken in a subtler way: it looks like HLS but lists a segment with no usable duration or target duration.
    const errorsSoFar = await upstreamErrors(origin, 'playlist')
    upstream.garbage = '#EXTM3U\n#EXT-X-MEDIA-SEQUENCE:zz\n#EXTINF:abc,\nseg1.ts\n'
    await eventually(async () => (await upstreamErrors(origin, 'playlist')) > errorsSoFar, 8000, 'the malformed playlist to be counted')
    assert.equal((await getText(origin.playlistUrl)).text, before.text, 'still the last good playlist')
    assert.ok(
      lines.some((line) => line.level >= 50 && /malformed|no valid #EXTINF duration/.test(line.msg)),
      `a malformed playlist is logged: ${JSON.stringify(lines.slice(-3))}`,
    )

    upstream.garbage = null
    const last = mediaSequence(during.text)
    await eventually(async () => mediaSequence((await getText(origin.playlistUrl)).text) > last, 10_000, 'the playlist to advance again')
    assertConsecutive(await servedWindow(origin))
  })

  it('an upstream that dies and comes back on the same port', async () => {
    const upstream = await live()
    const origin = await startOrigin({ kind: 'remote', url: upstream.url }, { windowSegments: 3 })
    origins.push(origin)
    await origin.whenReady()
    await eventually(async () => playlistEntries((await getText(origin.playlistUrl)).text).length === 3, 5000, 'a full window')

    const port = upstream.port
    await upstream.kill()
    await eventually(async () => (await upstreamErrors(origin, 'playlist')) > 0, 5000, 'the failure to be counted')
    const during = await getText(origin.playlistUrl)
    assert.equal(during.status, 200)
    const window = await servedWindow(origin) // every listed segment is still served, from memory
    assert.equal(window.entries.length, 3)
    await new Promise((resolve) => setTimeout(resolve, 1000))
    assert.equal((await getText(origin.playlistUrl)).text, during.text, 'unchanged while the upstream is down')

    await upstream.start(port)
    const last = mediaSequence(during.text)
    await eventually(async () => mediaSequence((await getText(origin.playlistUrl)).text) > last, 12_000, 'the playlist to advance again')
    const resumed = await servedWindow(origin)
    assertConsecutive(resumed)
    // Segments that went by while the upstream was down are missing: the gap is marked, on the first segment after
    // it (or, if that one already slid out, in EXT-X-DISCONTINUITY-SEQUENCE).
    const resumedText = (await getText(origin.playlistUrl)).text
    assert.ok(/^#EXT-X-DISCONTINUITY(-SEQUENCE:[1-9]\d*)?$/m.test(resumedText), `the gap is marked:\n${resumedText}`)
    const byUri = new Map([...window.entries, ...resumed.entries].map((entry) => [entry.uri, entry]))
    const sequenceOf = (uri: string): number => Number(/^seg(\d+)\.ts$/.exec(uri)![1])
    const all = [...byUri.values()].sort((a, b) => sequenceOf(a.uri) - sequenceOf(b.uri))
    for (let i = 1; i < all.length; i++) {
      const [previous, entry] = [all[i - 1]!, all[i]!]
      if (sequenceOf(entry.uri) !== sequenceOf(previous.uri) + 1) continue
      assert.ok(entry.upstream > previous.upstream, 'upstream order is kept')
      if (entry.upstream > previous.upstream + 1) {
        assert.ok(entry.tags.includes('#EXT-X-DISCONTINUITY'), `the segment after a gap (${entry.uri}) carries a discontinuity`)
      }
    }
  })

  it('a 404 segment is skipped after retries with a discontinuity, numbering stays consecutive', async () => {
    // A long upstream window, so the segments after the missing one are still listed when the origin gives up on it.
    const upstream = await live(12)
    const missing = upstream.head + 3
    upstream.missing.add(missing)
    const origin = await startOrigin({ kind: 'remote', url: upstream.url }, { windowSegments: 4, segmentAttempts: 3 })
    origins.push(origin)
    await origin.whenReady()
    const window = await eventually(
      async () => {
        const current = await servedWindow(origin)
        const after = current.entries.findIndex((entry) => entry.upstream === missing + 1)
        return after > 0 && after < current.entries.length - 1 ? current : undefined
      },
      10_000,
      `the segment after the missing upstream ${missing} to be served`,
    )
    assertConsecutive(window)
    assert.ok(!window.entries.some((entry) => entry.upstream === missing), 'the 404 segment is not served')
    const index = window.entries.findIndex((entry) => entry.upstream === missing + 1)
    assert.equal(window.entries[index - 1]!.upstream, missing - 1)
    assert.ok(window.entries[index]!.tags.includes('#EXT-X-DISCONTINUITY'), 'the next served segment carries EXT-X-DISCONTINUITY')
    assert.ok(!window.entries[index + 1]!.tags.includes('#EXT-X-DISCONTINUITY'), 'and only that one')
    assert.ok((await upstreamErrors(origin, 'segment')) >= 3, 'each failed attempt is counted')
  })
})

describe('CLI: one line on stderr and exit code 1', () => {
  async function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
      cwd: ROOT,
      env: { ...process.env, LOG_LEVEL: 'warn' },
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')))
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')))
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000)
    const code = await new Promise<number | null>((resolve) => child.once('close', resolve))
    clearTimeout(timer)
    return { code, stdout, stderr }
  }

  it('a busy port, a missing source, and --help', async () => {
    const busy = createNetServer()
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve))
    const port = (busy.address() as AddressInfo).port
    try {
      const [portInUse, missing, help, serveHelp] = await Promise.all([
        run(['serve', '--port', String(port)]),
        run(['serve', '/nonexistent']),
        run(['--help']),
        run(['serve', '--help']),
      ])
      assert.equal(portInUse.code, 1, portInUse.stderr)
      assert.equal(portInUse.stderr.trim().split('\n').length, 1, `one line: ${portInUse.stderr}`)
      assert.match(portInUse.stderr, new RegExp(`port ${port}.*already in use.*--port`))

      assert.equal(missing.code, 1, missing.stderr)
      assert.equal(missing.stderr.trim().split('\n').length, 1, `one line: ${missing.stderr}`)
      assert.match(missing.stderr, /source not found: \/nonexistent/)

      for (const { code, stdout } of [help, serveHelp]) {
        assert.equal(code, 0)
        assert.match(stdout, /Examples:/)
        assert.match(stdout, /live-torrent serve \.\/hls/)
        assert.match(stdout, /--public-url/)
      }
    } finally {
      await new Promise((resolve) => busy.close(resolve))
    }
  })
})
