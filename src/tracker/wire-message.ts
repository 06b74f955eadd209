import type { TrackerConfig } from './config.js'

/**
 * The WebTorrent tracker wire protocol (JSON over WebSocket), as bittorrent-tracker's client speaks it, checked
 * field by field before bittorrent-tracker's server sees a message. The server trusts what it parses: an
 * `offers` entry of `null`, for one, threw inside a callback and ended the whole process. So every message is
 * rebuilt here from the fields the protocol defines, each with its type and bounds, and only the rebuilt copy
 * goes on. Anything else is refused with a reason the client can read.
 *
 * Binary fields (infohash, peer id, offer id) are JSON strings of 20 characters, each one byte (U+0000-U+00FF),
 * which is how the client sends them.
 */

export type AnnounceEvent = 'started' | 'stopped' | 'completed' | 'update' | 'paused' | 'empty'

export interface SessionDescription {
  type: 'offer' | 'answer'
  sdp: string
}

export interface AnnounceMessage {
  action: 'announce'
  info_hash: string
  peer_id: string
  event?: AnnounceEvent
  numwant?: number
  uploaded?: number
  downloaded?: number
  left?: number
  trackerid?: string
  offers?: { offer: SessionDescription; offer_id: string }[]
  /** An answer to another peer's offer, relayed to `to_peer_id`. */
  answer?: SessionDescription
  to_peer_id?: string
  offer_id?: string
}

export interface ScrapeMessage {
  action: 'scrape'
  info_hash: string[]
}

export type TrackerMessage = AnnounceMessage | ScrapeMessage

export type ParsedMessage = { ok: true; message: TrackerMessage; json: string } | { ok: false; reason: string }

type Limits = Pick<TrackerConfig, 'maxMessageBytes' | 'maxOffersPerAnnounce' | 'maxNumwant' | 'maxSdpBytes' | 'maxScrapeInfoHashes'>

const EVENTS: ReadonlySet<string> = new Set(['started', 'stopped', 'completed', 'update', 'paused', 'empty'])
const BINARY_ID = /^[\u0000-\u00ff]{20}$/
const MAX_TRACKER_ID_LENGTH = 100
const utf8 = new TextDecoder('utf-8', { fatal: true })

class Refused extends Error {}

/** Checks one raw message (a WebSocket frame's payload) against the protocol. Never throws. */
export function parseTrackerMessage(raw: Buffer | ArrayBuffer | Buffer[] | string, limits: Limits): ParsedMessage {
  try {
    const text = decode(raw, limits.maxMessageBytes)
    let value: unknown
    try {
      value = JSON.parse(text)
    } catch {
      throw new Refused('message is not JSON')
    }
    const message = readMessage(value, limits)
    return { ok: true, message, json: JSON.stringify(message) }
  } catch (err) {
    if (err instanceof Refused) return { ok: false, reason: err.message }
    return { ok: false, reason: 'message could not be read' }
  }
}

function decode(raw: Buffer | ArrayBuffer | Buffer[] | string, maxBytes: number): string {
  if (typeof raw === 'string') {
    if (raw.length > maxBytes) throw new Refused(`message is larger than ${maxBytes} bytes`)
    return raw
  }
  const bytes = Array.isArray(raw) ? Buffer.concat(raw) : Buffer.from(raw as ArrayBuffer)
  if (bytes.length > maxBytes) throw new Refused(`message is larger than ${maxBytes} bytes`)
  try {
    return utf8.decode(bytes)
  } catch {
    throw new Refused('message is not valid UTF-8')
  }
}

function readMessage(value: unknown, limits: Limits): TrackerMessage {
  if (!isRecord(value)) throw new Refused('message is not a JSON object')
  if (value.action === 'announce') return readAnnounce(value, limits)
  if (value.action === 'scrape') return readScrape(value, limits)
  throw new Refused('action must be "announce" or "scrape"')
}

function readAnnounce(value: Record<string, unknown>, limits: Limits): AnnounceMessage {
  const message: AnnounceMessage = {
    action: 'announce',
    info_hash: binaryId(value.info_hash, 'info_hash'),
    peer_id: binaryId(value.peer_id, 'peer_id'),
  }
  if (value.event !== undefined && value.event !== null) {
    if (typeof value.event !== 'string' || !EVENTS.has(value.event)) throw new Refused('invalid event')
    message.event = value.event as AnnounceEvent
  }
  const numwant = optionalCount(value.numwant, 'numwant')
  if (numwant !== undefined) {
    if (numwant > limits.maxNumwant) throw new Refused(`numwant above ${limits.maxNumwant}`)
    message.numwant = numwant
  }
  for (const field of ['uploaded', 'downloaded', 'left'] as const) {
    const count = optionalCount(value[field], field)
    if (count !== undefined) message[field] = count
  }
  if (value.trackerid !== undefined && value.trackerid !== null) {
    if (typeof value.trackerid !== 'string' || value.trackerid.length > MAX_TRACKER_ID_LENGTH) throw new Refused('invalid trackerid')
    message.trackerid = value.trackerid
  }
  if (value.offers !== undefined && value.offers !== null) message.offers = readOffers(value.offers, limits)
  if (value.answer !== undefined && value.answer !== null) {
    message.answer = sessionDescription(value.answer, 'answer', limits)
    message.to_peer_id = binaryId(value.to_peer_id, 'to_peer_id')
    message.offer_id = binaryId(value.offer_id, 'offer_id')
    if (message.offers) throw new Refused('an announce carries offers or an answer, not both')
  }
  return message
}

function readOffers(value: unknown, limits: Limits): NonNullable<AnnounceMessage['offers']> {
  if (!Array.isArray(value)) throw new Refused('offers must be an array')
  if (value.length > limits.maxOffersPerAnnounce) throw new Refused(`more than ${limits.maxOffersPerAnnounce} offers`)
  return value.map((entry) => {
    if (!isRecord(entry)) throw new Refused('an offer must be an object')
    return { offer: sessionDescription(entry.offer, 'offer', limits), offer_id: binaryId(entry.offer_id, 'offer_id') }
  })
}

function readScrape(value: Record<string, unknown>, limits: Limits): ScrapeMessage {
  const hashes = typeof value.info_hash === 'string' ? [value.info_hash] : value.info_hash
  // bittorrent-tracker answers a scrape without info_hash with every swarm it holds: refused, it is not needed.
  if (!Array.isArray(hashes) || hashes.length === 0) throw new Refused('scrape needs info_hash')
  if (hashes.length > limits.maxScrapeInfoHashes) throw new Refused(`scrape of more than ${limits.maxScrapeInfoHashes} infohashes`)
  return { action: 'scrape', info_hash: hashes.map((hash) => binaryId(hash, 'info_hash')) }
}

function sessionDescription(value: unknown, type: 'offer' | 'answer', limits: Limits): SessionDescription {
  if (!isRecord(value) || value.type !== type) throw new Refused(`${type} must be an object with type "${type}"`)
  if (typeof value.sdp !== 'string' || value.sdp.length === 0) throw new Refused(`${type} needs an sdp string`)
  if (value.sdp.length > limits.maxSdpBytes) throw new Refused(`${type} sdp is longer than ${limits.maxSdpBytes}`)
  return { type, sdp: value.sdp }
}

function binaryId(value: unknown, name: string): string {
  if (typeof value !== 'string' || !BINARY_ID.test(value)) throw new Refused(`invalid ${name}`)
  return value
}

/** A non-negative integer count of bytes or peers, or absent (null is how JSON writes the client's Infinity). */
function optionalCount(value: unknown, name: string): number | undefined {
  if (value === undefined || value === null) return undefined
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) throw new Refused(`invalid ${name}`)
  return value
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
