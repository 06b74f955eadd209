import { AnswerTimer } from '../client/core/answer-timer.js'
import type { Clock } from '../client/core/ports.js'
import { isLiveTorrentMessage, WORKER_HEADER, type PortMessage, type SegmentRequestMessage } from '../protocol/messages.js'
import { segmentKey } from '../protocol/playlist-magnets.js'

const workerClock: Clock = {
  now: () => performance.now(),
  setTimer(ms, run) {
    const id = setTimeout(run, ms)
    return { cancel: () => clearTimeout(id) }
  },
}

export type PageAnswer = { kind: 'bytes'; bytes: ArrayBuffer; source: string } | { kind: 'none'; reason: string }

/**
 * The segment key a request names: its URL, plus the sub-range for a byte-range request.
 * Returns null for a range the worker cannot map to one segment (open-ended or multiple ranges).
 */
export function requestKey(request: Request): string | null {
  const url = request.url.split('#')[0] ?? request.url
  const range = request.headers.get('range')
  if (!range) return url
  const match = /^bytes=(\d+)-(\d+)$/.exec(range.trim())
  if (!match) return null
  const offset = Number(match[1])
  return segmentKey(url, { offset, length: Number(match[2]) - offset + 1 })
}

/**
 * Asks the tab's page client for a segment over a MessageChannel. The page acknowledges at once with how long it
 * may take; no acknowledgement, no answer in time, or a decline all resolve to 'none' (the worker then uses HTTP).
 */
export function askPage(client: Client, key: string): Promise<PageAnswer> {
  const channel = new MessageChannel()
  return new Promise<PageAnswer>((resolve) => {
    const finish = (answer: PageAnswer) => {
      channel.port1.close()
      resolve(answer)
    }
    const timer = new AnswerTimer(workerClock, (reason) => finish({ kind: 'none', reason }))
    channel.port1.onmessage = (event: MessageEvent<PortMessage>) => {
      const message = event.data
      if (!isLiveTorrentMessage(message)) return
      if (message.lt === 'segment-ack') timer.acknowledged(message.answerWithinMs)
      else if (message.lt === 'segment-answer' && timer.settle()) finish({ kind: 'bytes', bytes: message.bytes, source: message.source })
      else if (message.lt === 'segment-decline' && timer.settle()) finish({ kind: 'none', reason: message.reason })
    }
    const request: SegmentRequestMessage = { lt: 'segment-request', key }
    client.postMessage(request, [channel.port2])
  })
}

const CONTENT_TYPES: Record<string, string> = {
  ts: 'video/mp2t',
  m4s: 'video/iso.segment',
  mp4: 'video/mp4',
  m4a: 'audio/mp4',
  m4v: 'video/mp4',
  aac: 'audio/aac',
  mp3: 'audio/mpeg',
  vtt: 'text/vtt',
}

/** `response` as the worker passes it on, marked (WORKER_HEADER) as having gone through it. */
export function markedResponse(response: Response, value: string): Response {
  const headers = new Headers(response.headers)
  headers.set(WORKER_HEADER, value)
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers })
}

/** The response a player expects for segment bytes: 200, or 206 with Content-Range for a range request. */
export function segmentResponse(request: Request, bytes: ArrayBuffer, source: string): Response {
  const extension = new URL(request.url).pathname.split('.').pop()?.toLowerCase() ?? ''
  const headers = new Headers({
    'content-type': CONTENT_TYPES[extension] ?? 'application/octet-stream',
    'content-length': String(bytes.byteLength),
    [WORKER_HEADER]: source,
  })
  const range = /^bytes=(\d+)-(\d+)$/.exec(request.headers.get('range')?.trim() ?? '')
  if (!range) return new Response(bytes, { status: 200, headers })
  headers.set('content-range', `bytes ${range[1]}-${range[2]}/*`)
  return new Response(bytes, { status: 206, headers })
}
