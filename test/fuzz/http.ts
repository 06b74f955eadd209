import { connect } from 'node:net'
import fc from 'fast-check'
import type { Origin } from '../../src/origin/origin.js'
import { getText } from '../support/origin.js'
import { InputBounds } from './bounds.js'
import type { SurfaceReport } from './report.js'

const PATHS = [
  '/',
  '/stream.m3u8',
  '/seg1.ts',
  '/seg1.ts.torrent',
  '/v0/index.m3u8',
  '/metrics',
  '/announce',
  '/api/report',
  '/api/audience',
  '/dashboard',
  '/live-torrent-sw.js',
  '/live-torrent-p2p.js',
  '/asset0.bin',
]
const path = fc.oneof(
  fc.constantFrom(...PATHS),
  fc.tuple(fc.constantFrom(...PATHS), fc.string({ maxLength: 30 })).map(([base, tail]) => base + encodeURI(tail)),
  fc.constantFrom(
    '/..%2f..%2fetc/passwd',
    '/%2e%2e/%2e%2e/',
    '//etc/passwd',
    '/\\..\\..\\',
    '/%00',
    '/%',
    '/%zz',
    '*',
    'http://evil.test/',
    '/.git/config',
    '/seg-1.ts',
    '/seg99999999999999999999.ts',
  ),
  fc.integer({ min: 1, max: 120_000 }).map((n) => `/${'a'.repeat(n)}`),
  fc.string({ unit: 'binary', maxLength: 60 }).map((text) => `/${text}`),
)
const header = fc.oneof(
  fc.constantFrom(
    'Range: bytes=0-',
    'Range: bytes=-1',
    'Range: bytes=99999999999999999999-',
    'Range: bytes=5-1',
    'Range: bytes=0-0,2-3',
    'Range: items=0-1',
    'Range: bytes=',
  ),
  fc.tuple(fc.nat(1e9), fc.nat(1e9)).map(([a, b]) => `Range: bytes=${a}-${b}`),
  fc.constantFrom(
    'Host: ',
    'Host: [::1',
    'Host: a'.padEnd(3000, 'a'),
    'Content-Length: -1',
    'Content-Length: 99999999999',
    'Transfer-Encoding: chunked',
    'Content-Type: application/json',
    'Content-Type: text/plain',
    'Expect: 100-continue',
    'Upgrade: websocket',
    'Connection: close',
  ),
  fc
    .tuple(fc.stringMatching(/^[A-Za-z-]{1,20}$/), fc.string({ maxLength: 100 }))
    .map(([name, value]) => `${name}: ${value.replace(/[\r\n]/g, '')}`),
)
const body = fc.oneof(
  fc.constant(''),
  fc.string({ maxLength: 300 }),
  fc.json(),
  fc.integer({ min: 1, max: 10_000 }).map((n) => 'x'.repeat(n)),
)

/** One raw HTTP/1.1 request, as any client (or none) might write it. */
export const httpRequests = fc.oneof(
  {
    weight: 8,
    arbitrary: fc
      .tuple(
        fc.constantFrom('GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH', 'BREW', 'get', ''),
        path,
        fc.array(header, { maxLength: 6 }),
        body,
      )
      .map(([method, target, headers, content]) => {
        const lines = [`${method} ${target} HTTP/1.1`, 'Host: 127.0.0.1', ...headers]
        if (content) lines.push(`Content-Length: ${Buffer.byteLength(content)}`)
        return `${lines.join('\r\n')}\r\n\r\n${content}`
      }),
  },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 200 }) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      'GET / HTTP/1.1\r\n',
      'GET / HTTP/9.9\r\n\r\n',
      'GET /\r\n\r\n',
      '\r\n\r\n',
      'GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nab',
    ),
  },
)

/**
 * `count` generated raw requests (seeded), each on its own connection: the origin answers each (or closes the
 * connection) within the input time bound, never with a 5xx, and after every batch it still serves its playlist.
 */
export async function fuzzHttp(origin: Origin, count: number, seed: number, batch = 500): Promise<SurfaceReport> {
  const inputs = fc.sample(httpRequests, { seed, numRuns: count })
  const bounds = new InputBounds((index) => `#${index} (seed ${seed}): ${JSON.stringify(inputs[index]!.slice(0, 160))}`)
  const { port } = new URL(origin.url)
  const statuses = new Map<string, number>()
  for (let index = 0; index < inputs.length; index++) {
    const status = await bounds.run(index, () => send(Number(port), inputs[index]!))
    statuses.set(status, (statuses.get(status) ?? 0) + 1)
    if (/^5/.test(status) && status !== '503')
      throw new Error(`HTTP input #${index} (seed ${seed}) got ${status}: ${JSON.stringify(inputs[index]!.slice(0, 300))}`)
    if ((index + 1) % batch === 0 || index === inputs.length - 1) {
      const playlist = await getText(origin.playlistUrl)
      if (playlist.status !== 200)
        throw new Error(`the origin stopped serving its playlist after HTTP input #${index} (${playlist.status})`)
      bounds.rebase()
    }
  }
  const summary = [...statuses]
    .sort()
    .map(([status, n]) => `${status}: ${n}`)
    .join(', ')
  return { surface: `HTTP requests (${summary})`, inputs: count, seed, worstMs: bounds.worstMs, worstBytes: bounds.worstBytes }
}

/** Writes one raw request and resolves with the status of the first response ('closed' when there was none). */
function send(port: number, request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1')
    let head = ''
    const timer = setTimeout(() => {
      socket.destroy()
      // A request the client has not finished (a body still owed) gets no answer: that is not the origin hanging.
      resolve('waiting for the rest of the request')
    }, 800)
    socket.setEncoding('latin1')
    socket.on('data', (chunk: string) => {
      head += chunk
      const match = /^HTTP\/1\.[01] (\d{3})/.exec(head)
      if (match || head.length > 20) {
        clearTimeout(timer)
        socket.destroy()
        resolve(match ? match[1]! : `garbled: ${head.slice(0, 20)}`)
      }
    })
    socket.on('error', (err) => {
      clearTimeout(timer)
      if ((err as NodeJS.ErrnoException).code === 'ECONNRESET' || (err as NodeJS.ErrnoException).code === 'EPIPE') resolve('closed')
      else reject(err)
    })
    socket.on('close', () => {
      clearTimeout(timer)
      resolve('closed')
    })
    // Half-closed after the request: a body the headers promise but never comes ends the request, not the wait.
    socket.end(request, 'latin1')
  })
}
