import type { IncomingMessage } from 'node:http'
import { connect } from 'node:net'
import type { Duplex } from 'node:stream'

/**
 * Forwards an HTTP upgrade request, already parsed by the origin's server, to a server on 127.0.0.1:`port`, and
 * then the bytes both ways until either side closes. Written here because it is the request line, the raw headers
 * and two pipes; http-proxy (1.18.1, unmaintained since 2020) would be a dependency for those lines. Node's parser
 * has already refused header names and values with CR or LF, so the headers are written back as they came.
 */
export function forwardUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, port: number): void {
  const upstream = connect({ host: '127.0.0.1', port })
  const close = (): void => {
    socket.destroy()
    upstream.destroy()
  }
  upstream.once('connect', () => {
    const lines = [`${req.method ?? 'GET'} ${req.url ?? '/'} HTTP/1.1`]
    for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`)
    upstream.write(`${lines.join('\r\n')}\r\n\r\n`)
    if (head.length > 0) upstream.write(head)
    socket.pipe(upstream).pipe(socket)
  })
  for (const side of [socket, upstream]) {
    side.on('error', close)
    side.on('close', close)
  }
}
