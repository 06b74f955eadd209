import assert from 'node:assert/strict'
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http'
import { connect } from 'node:net'
import { after, before, describe, it } from 'node:test'
import { WebSocket } from 'ws'
import type { Origin } from '../src/origin/origin.js'
import { freePort, getBytes, getText, playlistEntries, startOrigin, type PlaylistEntry } from './support/origin.js'

function portOf(origin: Origin): number {
  return Number(new URL(origin.url).port)
}

interface RawResponse {
  status: number
  headers: Record<string, string>
  /** Everything after the blank line that ends the headers. */
  body: Buffer
}

/**
 * Sends `head` (request line and headers, no trailing blank line) over a fresh TCP connection exactly as written,
 * so nothing normalises `..` or percent-encodings, and returns the raw answer read until the server closes.
 */
async function rawHttp(port: number, head: string): Promise<RawResponse> {
  const socket = connect(port, '127.0.0.1')
  const chunks: Buffer[] = []
  socket.on('data', (chunk: Buffer) => chunks.push(chunk))
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => socket.write(`${head}\r\nConnection: close\r\n\r\n`))
    socket.once('error', reject)
    socket.once('close', () => resolve())
  })
  const raw = Buffer.concat(chunks)
  const split = raw.indexOf('\r\n\r\n')
  assert.ok(split > 0, `a complete HTTP response, got ${JSON.stringify(raw.toString('latin1').slice(0, 200))}`)
  const [statusLine, ...headerLines] = raw.subarray(0, split).toString('latin1').split('\r\n')
  const headers: Record<string, string> = {}
  for (const line of headerLines) {
    const colon = line.indexOf(':')
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim()
  }
  return { status: Number(statusLine!.split(' ')[1]), headers, body: raw.subarray(split + 4) }
}

/** GET with node's http client: the path goes out as given and the Host header can be anything. */
async function httpGet(
  port: number,
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: IncomingHttpHeaders; text: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, method: 'GET', headers, agent: false }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (chunk: Buffer) => chunks.push(chunk))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }))
      res.on('error', reject)
    })
    req.on('error', reject)
    req.end()
  })
}

function magnetOf(entry: PlaylistEntry | undefined): NonNullable<PlaylistEntry['magnet']> {
  assert.ok(entry?.magnet, `entry ${entry?.uri} has a magnet`)
  return entry.magnet
}

describe('origin HTTP (built-in sample)', () => {
  let origin: Origin
  let segmentUrl: string
  let segment: Buffer
  before(async () => {
    origin = await startOrigin({ kind: 'sample' }, { windowSegments: 4 })
    await origin.whenReady()
    const { text } = await getText(origin.playlistUrl)
    const first = playlistEntries(text)[0]
    assert.ok(first)
    segmentUrl = new URL(first.uri, origin.playlistUrl).href
    const full = await getBytes(segmentUrl)
    assert.equal(full.status, 200)
    segment = full.bytes
    assert.ok(segment.length > 200, 'a segment of some size')
  })
  after(() => origin.stop())

  describe('CORS', () => {
    it('allows any origin by default on playlists and segments', async () => {
      for (const url of [origin.playlistUrl, segmentUrl]) {
        const response = await fetch(url, { headers: { origin: 'https://player.example' } })
        await response.arrayBuffer()
        assert.equal(response.status, 200)
        assert.equal(response.headers.get('access-control-allow-origin'), '*', url)
      }
    })

    it('answers a preflight for a Range request', async () => {
      const response = await fetch(segmentUrl, {
        method: 'OPTIONS',
        headers: { origin: 'https://player.example', 'access-control-request-method': 'GET', 'access-control-request-headers': 'range' },
      })
      await response.arrayBuffer()
      assert.ok(response.status === 204 || response.status === 200, `preflight status ${response.status}`)
      assert.equal(response.headers.get('access-control-allow-origin'), '*')
      assert.match(response.headers.get('access-control-allow-methods') ?? '', /GET/)
      assert.match(response.headers.get('access-control-allow-headers') ?? '', /range/i)
    })

    it('exposes Content-Range to scripts (a web seed reads it)', async () => {
      const response = await fetch(segmentUrl, { headers: { origin: 'https://player.example', range: 'bytes=0-9' } })
      await response.arrayBuffer()
      assert.match(response.headers.get('access-control-expose-headers') ?? '', /content-range/i)
    })

    it('with cors set to one origin, allows only that origin', async () => {
      const strict = await startOrigin({ kind: 'sample' }, { windowSegments: 2, cors: 'https://a.example' })
      try {
        await strict.whenReady()
        const allowed = await fetch(strict.playlistUrl, { headers: { origin: 'https://a.example' } })
        await allowed.text()
        assert.equal(allowed.headers.get('access-control-allow-origin'), 'https://a.example')
        const other = await fetch(strict.playlistUrl, { headers: { origin: 'https://b.example' } })
        await other.text()
        const granted = other.headers.get('access-control-allow-origin')
        assert.ok(granted === null || granted === 'https://a.example', `b.example must not be allowed, got ${granted}`)
        const preflight = await fetch(strict.playlistUrl, {
          method: 'OPTIONS',
          headers: { origin: 'https://b.example', 'access-control-request-method': 'GET', 'access-control-request-headers': 'range' },
        })
        await preflight.arrayBuffer()
        const preflightGranted = preflight.headers.get('access-control-allow-origin')
        assert.ok(
          preflightGranted === null || preflightGranted === 'https://a.example',
          `b.example preflight must fail, got ${preflightGranted}`,
        )
      } finally {
        await strict.stop()
      }
    })
  })

  describe('Range', () => {
    it('bytes=0-99 gives 206 with the first 100 bytes', async () => {
      const { status, bytes, headers } = await getBytes(segmentUrl, { headers: { range: 'bytes=0-99' } })
      assert.equal(status, 206)
      assert.equal(headers.get('content-range'), `bytes 0-99/${segment.length}`)
      assert.equal(headers.get('content-length'), '100')
      assert.deepEqual(bytes, segment.subarray(0, 100))
    })

    it('a suffix range gives the last bytes', async () => {
      const { status, bytes, headers } = await getBytes(segmentUrl, { headers: { range: 'bytes=-10' } })
      assert.equal(status, 206)
      assert.equal(headers.get('content-range'), `bytes ${segment.length - 10}-${segment.length - 1}/${segment.length}`)
      assert.deepEqual(bytes, segment.subarray(segment.length - 10))
    })

    it('an unsatisfiable range gives 416 with the length', async () => {
      const { status, headers } = await getBytes(segmentUrl, { headers: { range: `bytes=${segment.length + 10}-${segment.length + 20}` } })
      assert.equal(status, 416)
      assert.equal(headers.get('content-range'), `bytes */${segment.length}`)
    })

    it('advertises Accept-Ranges on segments', async () => {
      const { headers } = await getBytes(segmentUrl)
      assert.equal(headers.get('accept-ranges'), 'bytes')
    })
  })

  describe('HEAD', () => {
    it('on the playlist: 200, type and length, no body', async () => {
      const { text } = await getText(origin.playlistUrl)
      const response = await rawHttp(portOf(origin), `HEAD /stream.m3u8 HTTP/1.1\r\nHost: ${new URL(origin.url).host}`)
      assert.equal(response.status, 200)
      assert.equal(response.headers['content-type'], 'application/vnd.apple.mpegurl')
      assert.ok(Number(response.headers['content-length']) > 0, `content-length ${response.headers['content-length']}`)
      // The window may have slid in between, but a playlist of the same shape has about the same length.
      assert.ok(Math.abs(Number(response.headers['content-length']) - Buffer.byteLength(text)) < 64)
      assert.equal(response.body.length, 0)
    })

    it('on a segment: 200, type and exact length, no body', async () => {
      const path = new URL(segmentUrl).pathname
      const response = await rawHttp(portOf(origin), `HEAD ${path} HTTP/1.1\r\nHost: 127.0.0.1`)
      assert.equal(response.status, 200)
      assert.equal(response.headers['content-type'], 'video/mp2t')
      assert.equal(response.headers['content-length'], String(segment.length))
      assert.equal(response.body.length, 0)
    })

    it('on a .torrent: 200, type, no body', async () => {
      const path = new URL(segmentUrl).pathname + '.torrent'
      const response = await rawHttp(portOf(origin), `HEAD ${path} HTTP/1.1\r\nHost: 127.0.0.1`)
      assert.equal(response.status, 200)
      assert.equal(response.headers['content-type'], 'application/x-bittorrent')
      assert.equal(response.body.length, 0)
    })
  })

  describe('content types and caching', () => {
    it('playlists are application/vnd.apple.mpegurl and not cached', async () => {
      const { headers } = await getText(origin.playlistUrl)
      assert.equal(headers.get('content-type'), 'application/vnd.apple.mpegurl')
      assert.match(headers.get('cache-control') ?? '', /no-cache/)
    })

    it('segments are video/mp2t and immutable', async () => {
      const { headers } = await getBytes(segmentUrl)
      assert.equal(headers.get('content-type'), 'video/mp2t')
      assert.match(headers.get('cache-control') ?? '', /immutable/)
    })

    it('torrents are application/x-bittorrent', async () => {
      const { status, headers } = await getBytes(`${segmentUrl}.torrent`)
      assert.equal(status, 200)
      assert.equal(headers.get('content-type'), 'application/x-bittorrent')
    })
  })

  describe('path safety (raw request lines)', () => {
    const traversals = [
      '/../package.json',
      '/%2e%2e/package.json',
      '/%2E%2E%2Fpackage.json',
      '/..%2fpackage.json',
      '/seg0.ts/..%5c..%5cpackage.json',
      '/sample/../../package.json',
    ]
    for (const path of traversals) {
      it(`${path} -> 400, never the file`, async () => {
        const response = await rawHttp(portOf(origin), `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1`)
        assert.equal(response.status, 400)
        assert.doesNotMatch(response.body.toString('latin1'), /live-torrent|"dependencies"/)
      })
    }

    for (const path of ['/.git/config', '/.env', '/sample/.hidden.ts']) {
      it(`${path} -> 404 (dotfile)`, async () => {
        const response = await rawHttp(portOf(origin), `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1`)
        assert.equal(response.status, 404)
        assert.doesNotMatch(response.body.toString('latin1'), /\[core\]|repositoryformatversion/)
      })
    }

    it('an unknown segment -> 404', async () => {
      const response = await rawHttp(portOf(origin), 'GET /nope.ts HTTP/1.1\r\nHost: 127.0.0.1')
      assert.equal(response.status, 404)
    })

    it('malformed percent-encoding -> 400', async () => {
      const response = await rawHttp(portOf(origin), 'GET /%zz HTTP/1.1\r\nHost: 127.0.0.1')
      assert.equal(response.status, 400)
    })

    it('files next to the playlist on disk are not served by their own names', async () => {
      const response = await rawHttp(portOf(origin), 'GET /seg000.ts HTTP/1.1\r\nHost: 127.0.0.1')
      assert.equal(response.status, 404)
    })
  })

  describe('URLs follow the request', () => {
    it("magnets use the request's Host", async () => {
      const { status, text } = await httpGet(portOf(origin), '/stream.m3u8', { host: 'example.test:1234' })
      assert.equal(status, 200)
      const entries = playlistEntries(text)
      assert.ok(entries.length > 0)
      for (const entry of entries) {
        const magnet = magnetOf(entry)
        assert.equal(magnet.webSeed, `http://example.test:1234/${entry.uri}`)
        assert.equal(magnet.torrentUrl, `http://example.test:1234/${entry.uri}.torrent`)
        assert.deepEqual(magnet.trackers, ['ws://example.test:1234/announce'])
      }
    })

    it('a Host header that is not a host name does not end up in magnets', async () => {
      const { status, text } = await httpGet(portOf(origin), '/stream.m3u8', { host: 'evil.example"><script>' })
      // A server may refuse such a request outright; if it answers, the magnets must not carry the header.
      if (status === 200) assert.doesNotMatch(text, /evil\.example/)
      else assert.equal(status, 400)
    })

    it('with publicUrl, magnets use it (https -> wss tracker)', async () => {
      const port = await freePort()
      const behindCdn = await startOrigin(
        { kind: 'sample' },
        { port, windowSegments: 2, publicUrl: 'https://cdn.example.com/live/', trackers: ['wss://t.example/announce'] },
      )
      try {
        await behindCdn.whenReady()
        assert.equal(behindCdn.playlistUrl, 'https://cdn.example.com/live/stream.m3u8')
        const { status, text } = await httpGet(port, '/stream.m3u8', { host: `127.0.0.1:${port}` })
        assert.equal(status, 200)
        const entries = playlistEntries(text)
        assert.equal(entries.length, 2)
        for (const entry of entries) {
          const magnet = magnetOf(entry)
          assert.equal(magnet.webSeed, `https://cdn.example.com/live/${entry.uri}`)
          assert.equal(magnet.torrentUrl, `https://cdn.example.com/live/${entry.uri}.torrent`)
          assert.deepEqual([...magnet.trackers].sort(), ['wss://cdn.example.com/live/announce', 'wss://t.example/announce'])
        }
      } finally {
        await behindCdn.stop()
      }
    })

    it('extra trackers are listed in every magnet, next to the built-in one', async () => {
      const withExtra = await startOrigin({ kind: 'sample' }, { windowSegments: 3, trackers: ['wss://t.example/announce'] })
      try {
        await withExtra.whenReady()
        const { text } = await getText(withExtra.playlistUrl)
        const own = new URL('announce', withExtra.url).href.replace(/^http/, 'ws')
        const entries = playlistEntries(text)
        assert.equal(entries.length, 3)
        for (const entry of entries) assert.deepEqual([...magnetOf(entry).trackers].sort(), [own, 'wss://t.example/announce'].sort())
      } finally {
        await withExtra.stop()
      }
    })

    it('without the built-in tracker, it is not listed and /announce refuses WebSocket upgrades', async () => {
      const external = await startOrigin(
        { kind: 'sample' },
        { windowSegments: 2, builtinTracker: false, trackers: ['wss://t.example/announce'] },
      )
      try {
        await external.whenReady()
        const { text } = await getText(external.playlistUrl)
        for (const entry of playlistEntries(text)) assert.deepEqual(magnetOf(entry).trackers, ['wss://t.example/announce'])
        const ws = new WebSocket(new URL('announce', external.url).href.replace(/^http/, 'ws'))
        const outcome = await new Promise<string>((resolve) => {
          ws.once('open', () => resolve('open'))
          ws.once('unexpected-response', (_req, res) => resolve(`refused ${res.statusCode}`))
          ws.once('error', (err) => resolve(`error ${err.message}`))
        })
        ws.terminate()
        assert.notEqual(outcome, 'open')
        assert.match(outcome, /refused 404|error/)
      } finally {
        await external.stop()
      }
    })
  })

  describe('/metrics', () => {
    it('is Prometheus text with the origin metrics', async () => {
      await getBytes(segmentUrl)
      const { status, text, headers } = await getText(new URL('metrics', origin.url).href)
      assert.equal(status, 200)
      assert.match(headers.get('content-type') ?? '', /^text\/plain/)
      for (const name of [
        'live_torrent_segments_hashed_total',
        'live_torrent_hash_seconds',
        'live_torrent_bytes_served_total',
        'live_torrent_playlist_updates_total',
        'live_torrent_tracker_swarms',
        'live_torrent_tracker_peers',
        'live_torrent_upstream_errors_total',
      ]) {
        assert.match(text, new RegExp(`^# TYPE ${name} `, 'm'), `${name} is exposed`)
      }
      const hashed = /^live_torrent_segments_hashed_total (\d+)/m.exec(text)
      assert.ok(hashed && Number(hashed[1]) >= 9, 'every sample segment was hashed')
      assert.match(text, /^live_torrent_hash_seconds_count \d+/m)
      const served = /^live_torrent_bytes_served_total\{kind="segment"\} (\d+)/m.exec(text)
      assert.ok(served && Number(served[1]) >= segment.length, `segment bytes counted: ${served?.[1]}`)
      const updates = /^live_torrent_playlist_updates_total (\d+)/m.exec(text)
      assert.ok(updates && Number(updates[1]) > 0)
      assert.match(text, /^live_torrent_tracker_swarms \d+/m)
      assert.match(text, /^live_torrent_tracker_peers \d+/m)
    })
  })

  describe('GET / and the browser bundles', () => {
    it('is the player page, loading the page script and the player', async () => {
      const { status, text, headers } = await getText(origin.url)
      assert.equal(status, 200)
      assert.match(headers.get('content-type') ?? '', /^text\/html/)
      assert.match(text, /<video/i)
      assert.match(text, /<script src="\/live-torrent\.js"><\/script>/)
      assert.match(text, /<script src="\/player\.js"><\/script>/)
    })

    it('serves the page script, its P2P part, the player and the service worker, the worker with its scope widened to the root', async () => {
      for (const path of ['live-torrent.js', 'live-torrent-p2p.js', 'player.js', 'live-torrent-sw.js']) {
        const { status, text, headers } = await getText(new URL(path, origin.url).href)
        assert.equal(status, 200, path)
        assert.match(headers.get('content-type') ?? '', /^text\/javascript/, path)
        assert.equal(headers.get('cache-control'), 'no-cache', path)
        assert.ok(text.length > 1000, path)
      }
      const worker = await getText(new URL('live-torrent-sw.js', origin.url).href)
      assert.equal(worker.headers.get('service-worker-allowed'), '/')
    })
  })
})
