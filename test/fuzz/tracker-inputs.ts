import fc from 'fast-check'
import { MESH_INFOHASH } from '../../src/protocol/mesh.js'
import { binaryId } from '../support/tracker-socket.js'

/** One fuzz input for the tracker: which of the fuzzer's connections sends it, and the frame's payload. */
export interface TrackerInput {
  socket: number
  payload: string | Buffer
}

/** The fuzzer's connections; each announces with its own peer id, so deeper paths (relaying) are reached too. */
export const FUZZ_SOCKETS = 4
export const FUZZ_PEER_IDS = Array.from({ length: FUZZ_SOCKETS }, (_, index) => binaryId(String(index + 1).repeat(40)))

const MESH = binaryId(MESH_INFOHASH)
const SDP = 'v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0\r\n'

const binaryString = fc.string({ unit: 'binary', minLength: 0, maxLength: 40 })
/** Ids of every shape: right, wrong length, multi-byte characters, lone surrogates, other types. */
const anyId = fc.oneof(
  fc.constant(MESH),
  fc.uint8Array({ minLength: 20, maxLength: 20 }).map((bytes) => Buffer.from(bytes).toString('latin1')),
  binaryString,
  fc.string({ unit: 'grapheme', minLength: 19, maxLength: 21 }),
  fc.constant('\ud800'.repeat(20)),
  fc.jsonValue(),
)

function offer(kind: 'offer' | 'answer') {
  return fc.record({
    type: fc.oneof(fc.constant(kind), fc.jsonValue()),
    sdp: fc.oneof(fc.constant(SDP), fc.string({ maxLength: 200 }), fc.jsonValue(), fc.constant('x'.repeat(9000))),
  })
}

/** An announce as a client sends it, with each field drawn from right and wrong values alike. */
function announce(peerId: string) {
  return fc.record(
    {
      action: fc.oneof(fc.constant('announce'), fc.jsonValue()),
      info_hash: fc.oneof({ weight: 4, arbitrary: fc.constant(MESH) }, { weight: 1, arbitrary: anyId }),
      peer_id: fc.oneof({ weight: 6, arbitrary: fc.constant(peerId) }, { weight: 1, arbitrary: anyId }),
      event: fc.oneof(fc.constantFrom('started', 'update', 'completed', 'stopped', 'paused', 'empty', 'bogus'), fc.jsonValue()),
      numwant: fc.oneof(fc.integer({ min: -2, max: 120 }), fc.double(), fc.jsonValue()),
      uploaded: fc.oneof(fc.nat(), fc.double(), fc.jsonValue()),
      downloaded: fc.oneof(fc.nat(), fc.constant(null)),
      left: fc.oneof(fc.nat(), fc.constant(null), fc.string()),
      offers: fc.oneof(
        fc.array(fc.record({ offer: offer('offer'), offer_id: anyId }), { maxLength: 12 }),
        fc.array(fc.oneof(fc.constant(null), fc.jsonValue()), { maxLength: 6 }),
        fc.jsonValue(),
      ),
      answer: fc.oneof(offer('answer'), fc.jsonValue()),
      to_peer_id: fc.oneof(fc.constantFrom(...FUZZ_PEER_IDS), anyId),
      offer_id: anyId,
      trackerid: fc.oneof(fc.string(), fc.jsonValue()),
    },
    { requiredKeys: ['action', 'info_hash', 'peer_id'] },
  )
}

const scrape = fc.record(
  { action: fc.constant('scrape'), info_hash: fc.oneof(anyId, fc.array(anyId, { maxLength: 70 })) },
  { requiredKeys: ['action'] },
)

/** Frames that are not a message at all: bytes, broken JSON, huge or deep values. */
const garbage = fc.oneof(
  fc.uint8Array({ maxLength: 2000 }).map((bytes) => Buffer.from(bytes)),
  fc.string({ unit: 'binary', maxLength: 500 }),
  fc.jsonValue({ maxDepth: 6 }).map((value) => JSON.stringify(value) ?? 'null'),
  fc.nat({ max: 5000 }).map((depth) => '['.repeat(depth) + ']'.repeat(depth)),
  fc.constant('{"action":"announce","offers":[' + '{},'.repeat(20000) + '{}]}'),
  fc.constant(Buffer.alloc(70 * 1024, 0x7b)),
  fc.json().map((text) => text.slice(0, Math.max(1, text.length - 1))),
)

export function trackerInputs(): fc.Arbitrary<TrackerInput> {
  return fc
    .integer({ min: 0, max: FUZZ_SOCKETS - 1 })
    .chain((socket) =>
      fc
        .oneof(
          { weight: 6, arbitrary: announce(FUZZ_PEER_IDS[socket]!).map((value) => JSON.stringify(value)) },
          { weight: 1, arbitrary: scrape.map((value) => JSON.stringify(value)) },
          { weight: 3, arbitrary: garbage },
        )
        .map((payload) => ({ socket, payload })),
    )
}
