import type { FastifyReply, FastifyRequest } from 'fastify'
import type { BlockingReload } from '../low-latency/edge.js'

/** Playlist requests one rendition holds at once; beyond this, new ones are answered 503 at once. */
const MAX_HELD = 10_000

export type HoldOutcome = { ok: true } | { ok: false; status: 400 | 503; reason: string }

/**
 * Blocking playlist reload (RFC 8216bis 6.2.5.2): `?_HLS_msn=M[&_HLS_part=P]` is answered once the playlist holds
 * segment M (or part P of it), 400 when that lies too far ahead, 503 after three target durations. `_HLS_skip` is
 * ignored: the origin advertises no delta updates, so it serves the whole playlist.
 */
export async function holdForReload(reload: BlockingReload, request: FastifyRequest, reply: FastifyReply): Promise<HoldOutcome> {
  const query = request.query as Record<string, unknown>
  if (!reload.blocking || (query._HLS_msn === undefined && query._HLS_part === undefined)) return { ok: true }
  const msn = wholeNumber(query._HLS_msn)
  const part = query._HLS_part === undefined ? undefined : wholeNumber(query._HLS_part)
  if (msn === null || part === null) return bad('_HLS_msn and _HLS_part must be whole numbers, and _HLS_part needs _HLS_msn')
  const tooFar = farAhead(reload, msn, part)
  if (tooFar) return bad(tooFar)
  if (reload.waiting >= MAX_HELD) return { ok: false, status: 503, reason: 'too many blocking playlist requests held' }
  const abort = new AbortController()
  const onClose = (): void => abort.abort()
  reply.raw.once('close', onClose)
  const timeoutMs = reload.holdMs
  const held = await reload.waitFor(msn, part, timeoutMs, abort.signal)
  reply.raw.off('close', onClose)
  if (held) return { ok: true }
  return {
    ok: false,
    status: 503,
    reason: `segment ${msn}${part === undefined ? '' : ` part ${part}`} did not appear within ${timeoutMs} ms`,
  }
}

/** RFC 8216bis: more than two segments past the last, or more than the Advance Part Limit of parts past the last part. */
function farAhead(reload: BlockingReload, msn: number, part: number | undefined): string | null {
  const end = reload.end()
  if (!end) return null
  if (msn > end.msn + 2) return `_HLS_msn=${msn} is more than two segments past the last one (${end.msn})`
  if (part === undefined || end.part === undefined || msn < end.msn) return null
  // Parts ahead of the last one listed; the next segment's parts count from the end of the current one.
  const partsPerSegment = Math.max(1, Math.ceil(reload.targetDuration / reload.partTarget))
  const ahead = (msn - end.msn) * partsPerSegment + part - end.part
  const limit = reload.partTarget < 1 ? Math.ceil(3 / reload.partTarget) : 3
  return ahead > limit ? `_HLS_part=${part} of segment ${msn} is more than ${limit} parts past the last one` : null
}

function bad(reason: string): HoldOutcome {
  return { ok: false, status: 400, reason }
}

function wholeNumber(value: unknown): number | null {
  return typeof value === 'string' && /^\d{1,15}$/.test(value) ? Number(value) : null
}
