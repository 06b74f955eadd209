import type { FastifyReply, FastifyRequest } from 'fastify'
import parseRange from 'range-parser'

export interface ByteBody {
  /** The whole resource's length. */
  length: number
  /** Reads [start, end] inclusive. */
  read: (start: number, end: number) => Promise<Uint8Array>
}

/**
 * Sends a byte resource honouring a single Range (206; 416 when unsatisfiable). Multi-range requests get the
 * whole body (RFC 9110 lets a server ignore Range), which every player and web seed accepts.
 * Returns the number of body bytes sent.
 */
export async function sendBytes(request: FastifyRequest, reply: FastifyReply, body: ByteBody): Promise<number> {
  reply.header('accept-ranges', 'bytes')
  const header = request.headers.range
  const ranges = header ? parseRange(body.length, header, { combine: true }) : undefined
  if (ranges === -1) {
    reply.code(416).header('content-range', `bytes */${body.length}`).send()
    return 0
  }
  const single = Array.isArray(ranges) && ranges.type === 'bytes' && ranges.length === 1 ? ranges[0]! : null
  const start = single ? single.start : 0
  const end = single ? single.end : body.length - 1
  if (single) reply.code(206).header('content-range', `bytes ${start}-${end}/${body.length}`)
  const bytes = body.length === 0 ? new Uint8Array(0) : await body.read(start, end)
  reply.header('content-length', bytes.length)
  if (request.method === 'HEAD') {
    reply.send()
    return 0
  }
  reply.send(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength))
  return bytes.length
}
