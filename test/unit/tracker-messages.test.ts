import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { DEFAULT_TRACKER_CONFIG, TrackerConfigError, resolveTrackerConfig } from '../../src/tracker/config.js'
import { PeerIdRegistry, SocketGuard } from '../../src/tracker/socket-guard.js'
import { parseTrackerMessage, type TrackerMessage } from '../../src/tracker/wire-message.js'

const binary = (fill: string) => fill.repeat(20).slice(0, 20)
const INFO_HASH = Buffer.from('6d8f9e4c7420f0337bed582a050d10f8dec7acbf', 'hex').toString('latin1')

/** An announce as bittorrent-tracker's browser client sends it (websocket-tracker.js announce()). */
function clientAnnounce(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    numwant: 2,
    uploaded: 0,
    downloaded: 0,
    left: null,
    event: 'started',
    action: 'announce',
    info_hash: INFO_HASH,
    peer_id: binary('p'),
    offers: [
      { offer: { type: 'offer', sdp: 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n' }, offer_id: binary('\u00ff') },
      { offer: { type: 'offer', sdp: 'v=0\r\n' }, offer_id: binary('\u0000') },
    ],
    ...extra,
  }
}

function parse(value: unknown) {
  return parseTrackerMessage(Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)), DEFAULT_TRACKER_CONFIG)
}

function refusedWith(value: unknown, pattern: RegExp): void {
  const result = parse(value)
  assert.equal(result.ok, false, `refused: ${JSON.stringify(value).slice(0, 200)}`)
  if (!result.ok) assert.match(result.reason, pattern)
}

describe('tracker wire check', () => {
  it("passes the stock client's announce, answer and scrape, rebuilt from the protocol's fields only", () => {
    const announce = parse(clientAnnounce({ trackerid: 'abc', extra: { deep: [1, 2, 3] } }))
    assert.ok(announce.ok)
    assert.equal(announce.message.action, 'announce')
    const rebuilt = JSON.parse(announce.json) as Record<string, unknown>
    assert.equal(rebuilt.extra, undefined, 'unknown fields do not reach bittorrent-tracker')
    assert.equal(rebuilt.left, undefined, "the client's null (Infinity) stays unknown")
    assert.equal(rebuilt.trackerid, 'abc')
    assert.equal((rebuilt.offers as unknown[]).length, 2)
    const answer = parse({
      action: 'announce',
      info_hash: INFO_HASH,
      peer_id: binary('q'),
      to_peer_id: binary('p'),
      answer: { type: 'answer', sdp: 'v=0\r\n' },
      offer_id: binary('\u00ff'),
    })
    assert.ok(answer.ok)
    const scrape = parse({ action: 'scrape', info_hash: INFO_HASH })
    assert.ok(scrape.ok)
    assert.deepEqual(scrape.message, { action: 'scrape', info_hash: [INFO_HASH] })
  })

  it('refuses what is not a JSON object in UTF-8', () => {
    assert.equal(parseTrackerMessage(Buffer.from([0xff, 0xfe, 0x7b]), DEFAULT_TRACKER_CONFIG).ok, false)
    refusedWith('{"action":', /not JSON/)
    refusedWith('null', /not a JSON object/)
    refusedWith('[1,2]', /not a JSON object/)
    refusedWith('"announce"', /not a JSON object/)
    refusedWith({ action: 'connect' }, /action/)
    refusedWith({ action: { toString: 1 } }, /action/)
  })

  it('refuses offers that are not offers (the entry of null that ended the process)', () => {
    refusedWith(clientAnnounce({ offers: [null] }), /offer must be an object/)
    refusedWith(clientAnnounce({ offers: [1] }), /offer must be an object/)
    refusedWith(clientAnnounce({ offers: 'abc' }), /offers must be an array/)
    refusedWith(clientAnnounce({ offers: [{ offer: null, offer_id: binary('x') }] }), /offer must be an object/)
    refusedWith(clientAnnounce({ offers: [{ offer: { type: 'answer', sdp: 'x' }, offer_id: binary('x') }] }), /type "offer"/)
    refusedWith(clientAnnounce({ offers: [{ offer: { type: 'offer', sdp: 7 }, offer_id: binary('x') }] }), /sdp string/)
    refusedWith(clientAnnounce({ offers: [{ offer: { type: 'offer', sdp: 'x' }, offer_id: 'short' }] }), /offer_id/)
    const many = Array.from({ length: 11 }, () => ({ offer: { type: 'offer', sdp: 'x' }, offer_id: binary('x') }))
    refusedWith(clientAnnounce({ offers: many }), /more than 10 offers/)
    const huge = 'x'.repeat(DEFAULT_TRACKER_CONFIG.maxSdpBytes + 1)
    refusedWith(clientAnnounce({ offers: [{ offer: { type: 'offer', sdp: huge }, offer_id: binary('x') }] }), /longer than/)
  })

  it('refuses ids that are not 20 single-byte characters, and counts that are not counts', () => {
    refusedWith(clientAnnounce({ info_hash: 'abc' }), /info_hash/)
    refusedWith(clientAnnounce({ info_hash: '\u0100'.repeat(20) }), /info_hash/)
    refusedWith(clientAnnounce({ info_hash: 12345678901234567890 }), /info_hash/)
    refusedWith(clientAnnounce({ peer_id: binary('p') + 'p' }), /peer_id/)
    refusedWith(clientAnnounce({ peer_id: '\ud800'.repeat(20) }), /peer_id/)
    refusedWith(clientAnnounce({ numwant: -1 }), /numwant/)
    refusedWith(clientAnnounce({ numwant: 1.5 }), /numwant/)
    refusedWith(clientAnnounce({ numwant: 1e9 }), /numwant above/)
    refusedWith(clientAnnounce({ left: '100' }), /left/)
    refusedWith(clientAnnounce({ uploaded: 2 ** 60 }), /uploaded/)
    refusedWith(clientAnnounce({ event: 'exploded' }), /event/)
    refusedWith(clientAnnounce({ trackerid: 'x'.repeat(101) }), /trackerid/)
  })

  it('refuses answers without their addressee, and scrapes of everything', () => {
    const answer = { action: 'announce', info_hash: INFO_HASH, peer_id: binary('q'), answer: { type: 'answer', sdp: 'v=0' } }
    refusedWith(answer, /to_peer_id/)
    refusedWith({ ...answer, to_peer_id: binary('p') }, /offer_id/)
    refusedWith({ ...clientAnnounce(), answer: answer.answer, to_peer_id: binary('p'), offer_id: binary('o') }, /not both/)
    refusedWith({ action: 'scrape' }, /needs info_hash/)
    refusedWith({ action: 'scrape', info_hash: [] }, /needs info_hash/)
    refusedWith({ action: 'scrape', info_hash: Array(65).fill(INFO_HASH) }, /more than 64/)
  })

  it('refuses a message over the size limit before reading it', () => {
    const big = Buffer.alloc(DEFAULT_TRACKER_CONFIG.maxMessageBytes + 1, 0x20)
    const result = parseTrackerMessage(big, DEFAULT_TRACKER_CONFIG)
    assert.ok(!result.ok && /larger than/.test(result.reason))
  })
})

describe('tracker connection rules', () => {
  const announce = (peer: string, infoHashHex: string, extra: Partial<TrackerMessage> = {}): TrackerMessage =>
    ({
      action: 'announce',
      info_hash: Buffer.from(infoHashHex, 'hex').toString('latin1'),
      peer_id: binary(peer),
      ...extra,
    }) as TrackerMessage
  const hashes = Array.from({ length: 70 }, (_, index) => index.toString(16).padStart(40, '0'))
  const noSwarms = { swarms: () => [] }

  function setup(limits: Partial<typeof DEFAULT_TRACKER_CONFIG> = {}) {
    let now = 1_000_000
    const clock = { advance: (ms: number) => (now += ms) }
    const registry = new PeerIdRegistry()
    const guard = (l = limits) => new SocketGuard({ ...DEFAULT_TRACKER_CONFIG, ...l }, registry, () => now)
    return { clock, registry, guard }
  }

  it('allows a burst, then refuses until the bucket refills at the sustained rate', () => {
    const { clock, guard } = setup({ messageBurst: 5, messagesPerSecond: 2 })
    const socket = guard()
    for (let index = 0; index < 5; index++) assert.ok(socket.check(announce('a', hashes[0]!), noSwarms).ok, `message ${index}`)
    const refused = socket.check(announce('a', hashes[0]!), noSwarms)
    assert.ok(!refused.ok && refused.kind === 'rate')
    clock.advance(499)
    assert.equal(socket.check(announce('a', hashes[0]!), noSwarms).ok, false, 'not a whole token yet')
    clock.advance(1)
    assert.equal(socket.check(announce('a', hashes[0]!), noSwarms).ok, true, 'one token after 500 ms at 2/s')
  })

  it("keeps one peer id per connection and never lets a second connection use another's", () => {
    const { guard } = setup()
    const victim = guard()
    const stranger = guard()
    assert.ok(victim.check(announce('v', hashes[0]!), noSwarms).ok)
    const impostor = stranger.check(announce('v', hashes[0]!, { event: 'stopped' }), noSwarms)
    assert.ok(!impostor.ok && impostor.kind === 'peer_id', 'a stranger cannot send stopped in the name of a peer it saw')
    assert.ok(stranger.check(announce('s', hashes[0]!), noSwarms).ok)
    const switched = stranger.check(announce('t', hashes[0]!), noSwarms)
    assert.ok(!switched.ok && switched.kind === 'peer_id')
    victim.release()
    assert.ok(guard().check(announce('v', hashes[0]!), noSwarms).ok, 'a released peer id is free again (a reconnect)')
  })

  it('bounds the swarms of one connection, and relays answers only within a joined swarm', () => {
    const { guard } = setup({ maxSwarmsPerSocket: 3 })
    const socket = guard()
    const joined = { swarms: () => hashes.slice(0, 3) }
    assert.ok(socket.check(announce('a', hashes[1]!), joined).ok, 'a swarm it is in already')
    const fourth = socket.check(announce('a', hashes[3]!), joined)
    assert.ok(!fourth.ok && fourth.kind === 'swarm_limit')
    assert.ok(socket.check(announce('a', hashes[3]!, { event: 'stopped' }), joined).ok, 'leaving is always allowed')
    const answer = { answer: { type: 'answer' as const, sdp: 'v=0' }, to_peer_id: binary('b'), offer_id: binary('o') }
    const stray = socket.check(announce('a', hashes[5]!, answer), joined)
    assert.ok(!stray.ok && stray.kind === 'answer')
    assert.ok(socket.check(announce('a', hashes[0]!, answer), joined).ok)
  })

  it('asks to close a connection once it has broken the rules too often', () => {
    const { guard } = setup({ maxViolationsPerSocket: 3 })
    const socket = guard()
    const verdicts = Array.from({ length: 4 }, () => socket.refuseUnreadable('garbage'))
    assert.deepEqual(
      verdicts.map((verdict) => verdict.close),
      [false, false, false, true],
    )
  })
})

describe('tracker configuration', () => {
  it('rejects unknown names and values that are not whole positive numbers', () => {
    assert.equal(resolveTrackerConfig({ messageBurst: 3 }).messageBurst, 3)
    assert.throws(() => resolveTrackerConfig({ messageBurst: 0 }), TrackerConfigError)
    assert.throws(() => resolveTrackerConfig({ heartbeatMs: 1.5 }), /heartbeatMs/)
    assert.throws(() => resolveTrackerConfig({ nope: 1 } as never), /unknown tracker option "nope"/)
  })
})
