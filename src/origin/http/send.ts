import type { FastifyReply, FastifyRequest } from 'fastify'
import parseRange from 'range-parser'

/**
 * Sends bytes honouring a single Range (206; 416 when unsatisfiable). Multi-range requests get the whole body
 * (RFC 9110 lets a server ignore Range), which every player and web seed accepts.
 * Returns the number of body bytes sent.
 */
export function sendBytes(request: FastifyRequest, reply: FastifyReply, body: Uint8Array): number {
  reply.header('accept-ranges', 'bytes')
  const header = request.headers.range
  const ranges = header ? parseRange(body.length, header, { combine: true }) : undefined
  if (ranges === -1) {
    reply.code(416).header('content-range', `bytes */${body.length}`).send()
    return 0
  }
  const single = Array.isArray(ranges) && ranges.type === 'bytes' && ranges.length === 1 ? ranges[0]! : null
  const bytes = single ? body.subarray(single.start, single.end + 1) : body
  if (single) reply.code(206).header('content-range', `bytes ${single.start}-${single.end}/${body.length}`)
  reply.header('content-length', bytes.length)
  if (request.method === 'HEAD') {
    reply.send()
    return 0
  }
  reply.send(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength))
  return bytes.length
}
