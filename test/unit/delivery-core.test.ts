import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { Scheduler } from '../../bench/sim/scheduler.js'
import { DEFAULT_DELIVERY_CONFIG } from '../../src/client/core/config.js'
import { httpReserveMs, p2pWaitMs } from '../../src/client/core/deadline.js'
import { planFirstFetch, rankOf } from '../../src/client/core/fetch-order.js'
import { HttpEstimate } from '../../src/client/core/http-estimate.js'
import { missingRuns } from '../../src/client/core/segment-fetch.js'
import { HttpHandedOver } from '../../src/client/core/segment-request.js'
import { UploadMeter } from '../../src/client/core/upload-meter.js'
import { listAndStart, PIECE, PIECES, PLAYLIST, request, rig, segment } from './core-fakes.js'

/** Neighbour ids such that `self` ranks at `position` (0 = first) among itself and them for this infohash. */
function neighbourhood(self: string, infoHash: string, size: number, position: number): string[] {
  const selfRank = rankOf(self, infoHash)
  const before: string[] = []
  const after: string[] = []
  for (let index = 0; before.length < position || after.length < size - position; index++) {
    const id = `n${index}`
    if (rankOf(id, infoHash) < selfRank) {
      if (before.length < position) before.push(id)
    } else if (after.length < size - position) after.push(id)
  }
  return [...before, ...after]
}

/** Lists segments 1..3 (the first listing: behind the edge), then `next` (new at the edge). */
function listThenEdge(core: ReturnType<typeof rig>['core'], next: number): void {
  listAndStart(core, [segment(1), segment(2), segment(3)])
  core.announce(PLAYLIST, [segment(2), segment(3), segment(next)])
}

describe('delivery core: the deadline', () => {
  it('waits for peers for bufferAhead - httpReserve, then fetches only the pieces still missing', () => {
    const { core, clock, http, transport, mesh } = rig()
    mesh.neighbours = ['n1']
    core.announce(PLAYLIST, [segment(1)])
    const outcome = request(core, 1, 7000)
    transport.swarm(1).peerPiece(0)
    clock.advance(2999)
    assert.equal(http.fetches.length, 0, 'no HTTP before the deadline (7 s buffered - 4 s reserve = 3 s)')
    clock.advance(1)
    assert.equal(http.fetches.length, 1)
    assert.deepEqual(http.fetches[0]!.range, { start: PIECE, end: PIECE * PIECES }, 'the piece from peers is kept')
    http.fetches[0]!.respond()
    assert.equal(outcome.called, 1)
    assert.equal(outcome.result?.source, 'mixed')
    assert.equal(outcome.result?.httpAfterMs, 3000)
    assert.equal(core.recorder.stats.fallbacks, 1)
  })

  it('caps the wait at maxWaitMs however much is buffered', () => {
    const { core, clock, http, mesh } = rig()
    mesh.neighbours = ['n1']
    core.announce(PLAYLIST, [segment(1)])
    request(core, 1, 60_000)
    clock.advance(3999)
    assert.equal(http.fetches.length, 0)
    clock.advance(1)
    assert.equal(http.fetches.length, 1)
  })

  it('fetches at once for a player with nothing buffered (startup), and for a viewer with no neighbour', () => {
    const starting = rig()
    starting.mesh.neighbours = ['n1']
    starting.core.announce(PLAYLIST, [segment(1)])
    request(starting.core, 1, 0)
    assert.equal(starting.http.fetches.length, 1, 'buffer 0: HTTP now')
    assert.equal(starting.http.fetches[0]!.range, null, 'a whole segment is one plain request')
    const alone = rig()
    alone.core.announce(PLAYLIST, [segment(1)])
    request(alone.core, 1, 20_000)
    assert.equal(alone.http.fetches.length, 1, 'no neighbour can help: no wait')
  })

  it('answers from peers alone when they finish before the deadline', () => {
    const { core, clock, http, transport, mesh } = rig()
    mesh.neighbours = ['n1']
    core.announce(PLAYLIST, [segment(1)])
    const outcome = request(core, 1, 10_000)
    clock.advance(1000)
    for (let piece = 0; piece < PIECES; piece++) transport.swarm(1).peerPiece(piece)
    assert.equal(outcome.result?.source, 'peers')
    assert.equal(outcome.result?.waitedMs, 1000)
    clock.advance(10_000)
    assert.equal(http.fetches.length, 0, 'the deadline timer died with the request')
    assert.equal(core.recorder.stats.bytesFromPeers, PIECE * PIECES)
  })

  it('fails the request when HTTP fails past the deadline, so that the caller fetches on its own', () => {
    const { core, clock, http, mesh } = rig()
    mesh.neighbours = ['n1']
    core.announce(PLAYLIST, [segment(1)])
    const outcome = request(core, 1, 5000)
    clock.advance(1000)
    http.fetches[0]!.sink.done(new Error('connection reset'))
    assert.equal(outcome.called, 1)
    assert.equal(outcome.result, null)
    assert.match(outcome.error?.message ?? '', /connection reset/)
  })

  it('counts the deadline from the request, not from the .torrent: a slow .torrent costs no wait beyond it', () => {
    const { core, clock, http, transport, mesh } = rig()
    mesh.neighbours = ['n1']
    transport.autoReady = false
    core.announce(PLAYLIST, [segment(1)])
    const outcome = request(core, 1, 7000)
    clock.advance(3000)
    assert.equal(http.fetches.length, 1, 'HTTP at the deadline though the .torrent is not in')
    assert.equal(http.fetches[0]!.range, null, 'the whole segment, since its pieces are unknown')
    clock.advance(300)
    http.fetches[0]!.respond()
    assert.equal(outcome.result?.source, 'http', 'the body goes to the player without waiting for the .torrent')
    assert.equal(outcome.result?.waitedMs, 3300)
    transport.swarm(1).ready()
    assert.equal(transport.swarm(1).pieces.size, PIECES, 'and its pieces are still cut and seeded once the .torrent arrives')
  })

  it('at startup, fetches at once and answers with the body however long the .torrent and its checks take', () => {
    const { core, http, transport, mesh } = rig()
    mesh.neighbours = ['n1']
    transport.autoReady = false
    core.announce(PLAYLIST, [segment(1)])
    const outcome = request(core, 1, 0)
    assert.equal(http.fetches.length, 1, 'buffer 0: HTTP now, not once the .torrent is in')
    http.fetches[0]!.respond()
    assert.equal(outcome.called, 1)
    assert.equal(outcome.result?.bytes.length, PIECE * PIECES)
    assert.equal(outcome.result?.httpReason, 'immediate')
  })

  it('tells the worker to fetch on its own once peers had their wait, as the request itself does', () => {
    const { core, mesh } = rig()
    mesh.neighbours = ['n1']
    assert.equal(core.answerWithinMs(segment(1).url, 7000), 3000, "7 s buffered - 4 s reserve for the worker's HTTP")
    assert.equal(core.answerWithinMs(segment(1).url, 60_000), 4000, 'at most maxWaitMs')
    assert.equal(core.answerWithinMs(segment(1).url, 0), 0, 'nothing buffered: the worker fetches at once')
    mesh.neighbours = []
    assert.equal(core.answerWithinMs(segment(1).url, 10_000), 0, 'no neighbour: no wait for peers, as in the request itself')
  })

  it('on the worker path, hands HTTP to the worker at the deadline instead of fetching on the page', () => {
    const { core, clock, http, transport, mesh } = rig()
    mesh.neighbours = ['n1']
    core.announce(PLAYLIST, [segment(1)])
    const outcome = request(core, 1, 7000, true)
    transport.swarm(1).peerPiece(0)
    clock.advance(3000)
    assert.equal(outcome.called, 1)
    assert.ok(outcome.error instanceof HttpHandedOver, `handed over, got ${outcome.error?.message}`)
    assert.equal(http.fetches.length, 0, 'no page HTTP: the worker fetches')
    assert.equal(core.recorder.stats.fallbacks, 1, 'HTTP took over from peers')
    const starting = request(core, 1, 0, true)
    assert.ok(starting.error instanceof HttpHandedOver, 'nothing buffered: handed over at once')
    assert.equal(http.fetches.length, 0)
  })

  it('checks, seeds and counts once the segment the worker fetched, and counts one it does not hold', () => {
    const { core, transport, mesh } = rig()
    mesh.neighbours = ['n1']
    transport.autoReady = false
    core.announce(PLAYLIST, [segment(1)])
    core.fetchedElsewhere(segment(1).url, new Uint8Array(PIECE * PIECES), 3400)
    assert.equal(transport.swarm(1).pieces.size, 0, 'pieces wait for the .torrent')
    transport.swarm(1).ready()
    assert.equal(transport.swarm(1).pieces.size, PIECES, 'cut and seeded once the .torrent is in')
    const { stats } = core.recorder
    assert.equal(stats.segmentsFromHttp, 1)
    assert.equal(stats.bytesFromHttp, PIECE * PIECES, 'its bytes counted once')
    core.fetchedElsewhere('https://origin.test/v0/other.ts', new Uint8Array(500), 100)
    assert.equal(stats.segmentsFromHttp, 2)
    assert.equal(stats.bytesFromHttp, PIECE * PIECES + 500)
  })

  it('answers null for a segment no playlist listed, and fails one whose swarm cannot be joined', () => {
    const { core, transport } = rig()
    assert.equal(request(core, 9, 5000).result, null)
    transport.autoReady = false
    core.announce(PLAYLIST, [segment(1)])
    const outcome = request(core, 1, 5000)
    transport.swarm(1).fail('.torrent answered 404')
    assert.match(outcome.error?.message ?? '', /404/)
  })
})

describe('delivery core: who fetches a new segment', () => {
  const hash = segment(4).magnet.infoHash

  it('the first-ranked uploader of a full neighbourhood fetches a new edge segment at once, and tells the others', () => {
    const { core, http, mesh } = rig('self')
    mesh.neighbours = neighbourhood('self', hash, 5, 0)
    mesh.audienceSize = 6
    listThenEdge(core, 4)
    assert.equal(http.fetches.length, 1)
    assert.equal(http.fetches[0]!.url, segment(4).url)
    const fetching = mesh.sent.filter((sent) => sent.message.t === 'fetching')
    assert.equal(fetching.length, 5, 'every neighbour hears of the fetch')
  })

  it('segments of the first listing are never fetched for others (they are behind the edge)', () => {
    const { core, http, mesh } = rig('self')
    mesh.neighbours = neighbourhood('self', segment(3).magnet.infoHash, 5, 0)
    core.announce(PLAYLIST, [segment(1), segment(2), segment(3)])
    assert.equal(http.fetches.length, 0)
  })

  it('the others wait, and only the next in rank fetches, after escalateAfterMs + position * step, if nobody has a piece', () => {
    const { core, clock, http, mesh } = rig('self')
    mesh.neighbours = neighbourhood('self', hash, 5, 2)
    mesh.audienceSize = 6
    listThenEdge(core, 4)
    assert.equal(http.fetches.length, 0)
    clock.advance(1000 + 2 * 500 - 1)
    assert.equal(http.fetches.length, 0)
    clock.advance(1)
    assert.equal(http.fetches.length, 1, 'escalated: the first two in rank did not deliver')
  })

  it('does not escalate when a neighbour has a piece, or announced that it fetches', () => {
    const withPieces = rig('self')
    withPieces.mesh.neighbours = neighbourhood('self', hash, 5, 1)
    listThenEdge(withPieces.core, 4)
    withPieces.transport.swarm(4).canHelp = true
    withPieces.clock.advance(10_000)
    assert.equal(withPieces.http.fetches.length, 0)

    const told = rig('self')
    told.mesh.neighbours = neighbourhood('self', hash, 5, 1)
    listThenEdge(told.core, 4)
    told.core.onControl(told.mesh.neighbours[0]!, { t: 'fetching', infoHash: hash })
    told.clock.advance(10_000)
    assert.equal(told.http.fetches.length, 0)
  })

  it('a viewer with upload off never fetches for the others, and is passed over in their ranking', () => {
    const { core, clock, http, mesh } = rig('self', { uploadLimit: 0 })
    mesh.neighbours = neighbourhood('self', hash, 5, 0)
    listThenEdge(core, 4)
    clock.advance(20_000)
    assert.equal(http.fetches.length, 0)
    assert.ok(mesh.sent.some((sent) => sent.message.t === 'hello' || true))

    const other = rig('self')
    const [first, ...rest] = neighbourhood('self', hash, 5, 1)
    other.mesh.neighbours = [first!, ...rest]
    other.core.onControl(first!, { t: 'hello', v: 1, uploads: false, rate: 0 })
    listThenEdge(other.core, 4)
    assert.equal(other.http.fetches.length, 1, 'the only viewer ranked before it uploads nothing: it is first')
  })

  it('in a large audience, a neighbourhood first fetches only if it is among about `fetchers` of everyone', () => {
    const { core, clock, http, mesh } = rig('self')
    mesh.neighbours = neighbourhood('self', hash, 12, 0)
    mesh.audienceSize = 1_000_000
    listThenEdge(core, 4)
    assert.equal(http.fetches.length, 0, 'a million viewers: rank would have to be below 3e-6')
    clock.advance(20_000)
    assert.equal(http.fetches.length, 1, 'it still escalates when nobody delivered')
  })

  it('rotates fairly: in a neighbourhood of six, everyone is first for about a sixth of the segments', () => {
    const ids = ['a', 'b', 'c', 'd', 'e', 'f']
    const firsts = new Map(ids.map((id) => [id, 0]))
    for (let sequence = 0; sequence < 600; sequence++) {
      const infoHash = segment(sequence).magnet.infoHash
      const first = ids.reduce((best, id) => (rankOf(id, infoHash) < rankOf(best, infoHash) ? id : best))
      firsts.set(first, firsts.get(first)! + 1)
    }
    for (const [id, count] of firsts) assert.ok(count > 60 && count < 150, `${id} was first for ${count} of 600`)
  })
})

describe('delivery core: the lottery policy', () => {
  it('starts HTTP at a random share of the wait when no neighbour has a missing piece', () => {
    const { core, clock, http, mesh } = rig('self', { firstFetch: { policy: 'lottery', lotteryShare: 0.6 } }, () => 0.5)
    mesh.neighbours = ['n1']
    core.announce(PLAYLIST, [segment(1)])
    request(core, 1, 7000)
    clock.advance(0.5 * 0.6 * 3000 - 1)
    assert.equal(http.fetches.length, 0)
    clock.advance(1)
    assert.equal(http.fetches.length, 1)
  })
})

describe('delivery core: what neighbours tell', () => {
  it('joins a segment a neighbour tells of early, but only delivers it once its own playlist lists it', () => {
    const { core, transport } = rig()
    listAndStart(core, [segment(1)])
    core.onControl('n1', { t: 'segment', playlistUrl: PLAYLIST, segment: segment(2) })
    assert.equal(transport.swarms.length, 2, 'joined early')
    assert.equal(core.knows(segment(2).url), false, 'not deliverable yet')
    core.announce(PLAYLIST, [segment(1), segment(2)])
    assert.equal(core.knows(segment(2).url), true)
    assert.equal(transport.swarms.length, 2, 'the same swarm, not a second one')
  })

  it('never maps a URL to the swarm a neighbour named for it: only the own playlist pairs URL and infohash', () => {
    const { core, transport } = rig()
    listAndStart(core, [segment(1)])
    const forged = { ...segment(2), magnet: { ...segment(2).magnet, infoHash: 'f'.repeat(40) } }
    core.onControl('n1', { t: 'segment', playlistUrl: PLAYLIST, segment: forged })
    core.announce(PLAYLIST, [segment(1), segment(2)])
    const swarm = transport.swarms.find((candidate) => candidate.segment.magnet.infoHash === segment(2).magnet.infoHash)
    assert.ok(swarm, 'the playlist infohash got a swarm of its own')
  })

  it('ignores notices for playlists it does not play, and for URLs on other origins', () => {
    const { core, transport } = rig()
    listAndStart(core, [segment(1)])
    core.onControl('n1', { t: 'segment', playlistUrl: 'https://origin.test/v1/index.m3u8', segment: segment(2) })
    const elsewhere = segment(3)
    elsewhere.magnet.torrentUrl = 'https://evil.test/seg3.ts.torrent'
    core.onControl('n1', { t: 'segment', playlistUrl: PLAYLIST, segment: elsewhere })
    assert.equal(transport.swarms.length, 1)
  })

  it('passes a new segment on to every neighbour but the one it came from', () => {
    const { core, mesh } = rig()
    mesh.neighbours = ['n1', 'n2', 'n3']
    listAndStart(core, [segment(1)])
    mesh.sent.length = 0
    core.onControl('n2', { t: 'segment', playlistUrl: PLAYLIST, segment: segment(2) })
    assert.deepEqual(
      mesh.sent.filter((sent) => sent.message.t === 'segment').map((sent) => sent.to),
      ['n1', 'n3'],
    )
  })

  it('bans every neighbour that sent part of a piece that failed its hash check, counting each once', () => {
    const { core, mesh, transport } = rig()
    listAndStart(core, [segment(1), segment(2)])
    const listener = (transport.swarm(1) as unknown as { listener: { rejected(piece: number, ids: string[]): void } }).listener
    listener.rejected(0, ['n1', 'n2'])
    const other = (transport.swarm(2) as unknown as { listener: { rejected(piece: number, ids: string[]): void } }).listener
    other.rejected(3, ['n1'])
    assert.deepEqual([...mesh.banned], ['n1', 'n2'])
    assert.equal(core.recorder.stats.peersDropped, 2)
    assert.equal(core.recorder.stats.piecesRejected, 2)
    assert.equal(core.recorder.stats.segmentsRejected, 2)
  })
})

describe('delivery core: where the player starts', () => {
  const joined = (transport: ReturnType<typeof rig>['transport']) => transport.swarms.map((swarm) => swarm.segment.url.split('/').pop())

  it('joins no swarm of a playlist before its player asks, then only from the segment it asks for on', () => {
    const { core, transport, mesh } = rig()
    mesh.neighbours = ['n1']
    const window = [1, 2, 3, 4, 5].map((sequence) => segment(sequence))
    core.announce(PLAYLIST, window)
    core.announce(PLAYLIST, window)
    assert.deepEqual(joined(transport), [], 'nothing downloads while the page is starting its player')
    assert.equal(core.knows(segment(1).url), true, 'the worker still asks the page for them')
    request(core, 3, 0, true)
    assert.deepEqual(joined(transport), ['seg3.ts', 'seg4.ts', 'seg5.ts'], 'the player starts at seg3: the two before it are behind it')
    core.announce(
      PLAYLIST,
      [2, 3, 4, 5, 6].map((sequence) => segment(sequence)),
    )
    assert.deepEqual(joined(transport), ['seg3.ts', 'seg4.ts', 'seg5.ts', 'seg6.ts'], 'later listings add what is new, never seg2')
    assert.equal(core.knows(segment(2).url), false, 'behind the start: the worker fetches it over plain HTTP')
    assert.equal(request(core, 2, 5000).result, null)
  })

  it('a player that starts at the first segment (VOD) joins them all, and the segment the worker fetched itself starts it too', () => {
    const vod = rig()
    vod.core.announce(
      PLAYLIST,
      [1, 2, 3].map((sequence) => segment(sequence)),
    )
    request(vod.core, 1, 0, true)
    assert.deepEqual(joined(vod.transport), ['seg1.ts', 'seg2.ts', 'seg3.ts'])

    const late = rig()
    late.core.announce(
      PLAYLIST,
      [1, 2, 3].map((sequence) => segment(sequence)),
    )
    late.core.fetchedElsewhere(segment(2).url, new Uint8Array(PIECE * PIECES), 300)
    assert.deepEqual(joined(late.transport), ['seg2.ts', 'seg3.ts'], 'the page answered too late: the worker fetched seg2 itself')
    assert.equal(late.transport.swarm(2).pieces.size, PIECES, 'and its bytes are checked and seeded')
  })

  it('forgets the listing of a playlist its player never asked from', () => {
    const { core, clock } = rig('self', { unlistedGraceMs: 12_000 })
    core.announce(PLAYLIST, [segment(1)])
    clock.advance(12_001)
    core.announce('https://origin.test/v1/index.m3u8', [segment(7)])
    assert.equal(core.knows(segment(1).url), false)
  })
})

describe('delivery core: eviction', () => {
  it('keeps keepSegments per playlist, dropping the oldest, but never one being delivered', () => {
    const { core, transport, mesh } = rig('self', { keepSegments: 3 })
    mesh.neighbours = ['n1']
    core.announce(PLAYLIST, [segment(1), segment(2), segment(3)])
    request(core, 1, 10_000)
    core.announce(PLAYLIST, [segment(1), segment(2), segment(3), segment(4), segment(5)])
    assert.equal(transport.swarm(1).left, false, 'busy: the player is waiting for it')
    assert.equal(transport.swarm(2).left, true)
    assert.equal(transport.swarm(3).left, false)
    assert.equal(core.recorder.stats.segmentsHeld, 4)
  })

  it('drops a segment its playlist stopped listing after the grace time, and one only told of that never got listed', () => {
    const { core, clock, transport } = rig('self', { unlistedGraceMs: 12_000 })
    listAndStart(core, [segment(1), segment(2)])
    core.onControl('n1', { t: 'segment', playlistUrl: PLAYLIST, segment: segment(9) })
    clock.advance(11_000)
    core.announce(PLAYLIST, [segment(2), segment(3)])
    assert.equal(transport.swarm(1).left, false, 'within the grace time')
    clock.advance(2000)
    core.announce(PLAYLIST, [segment(2), segment(3)])
    assert.equal(transport.swarm(1).left, true)
    assert.equal(transport.swarm(9).left, true, 'told of, never listed')
    assert.equal(transport.swarm(2).left, false)
  })
})

describe('delivery core: HTTP for what peers did not deliver', () => {
  it('fetches scattered missing pieces in at most four ranges, merging across the smallest gaps', () => {
    const shape = { pieceCount: 12, pieceLength: 10, length: 115 }
    const held = new Set([1, 2, 4, 6, 7, 9, 10])
    assert.deepEqual(
      missingRuns(shape, (piece) => held.has(piece)),
      [
        { first: 0, last: 0 },
        { first: 3, last: 5 },
        { first: 8, last: 8 },
        { first: 11, last: 11 },
      ],
    )
    assert.deepEqual(
      missingRuns(shape, () => false),
      [{ first: 0, last: 11 }],
    )
    assert.deepEqual(
      missingRuns(shape, () => true),
      [],
    )
  })

  it('sizes the reserve from measured HTTP: a fast origin leaves peers more of the buffer, a slow one less', () => {
    const deadline = { ...DEFAULT_DELIVERY_CONFIG.deadline }
    const estimate = new HttpEstimate()
    assert.equal(httpReserveMs(deadline, estimate, 400_000), 4000, 'nothing measured yet: httpReserveMs')
    estimate.observe(0, 20, 120, 400_000)
    assert.equal(httpReserveMs(deadline, estimate, 400_000), 3000, 'a 120 ms fetch: the minimum, 3 s')
    estimate.observe(0, 300, 2300, 400_000)
    assert.equal(httpReserveMs(deadline, estimate, 400_000), 4 * (300 + 2000), 'the slowest recent fetch, four times')
    assert.equal(p2pWaitMs(12_000, deadline, 9200), 2800)
  })

  it('waits longer for peers once HTTP proved fast', () => {
    const { core, clock, http, mesh } = rig()
    mesh.neighbours = ['n1']
    core.announce(PLAYLIST, [segment(1), segment(2)])
    request(core, 1, 0)
    clock.advance(50)
    http.fetches[0]!.respond()
    request(core, 2, 6500)
    clock.advance(3499)
    assert.equal(http.fetches.length, 1, '6.5 s buffered - 3 s reserve: 3.5 s for peers (2.5 s before HTTP was timed)')
    clock.advance(1)
    assert.equal(http.fetches.length, 2)
  })
})

describe('delivery core: upload', () => {
  it('stops serving beyond maxUploadRatio times its downloads, and serves again once downloads catch up', () => {
    const { core, transport, mesh } = rig('self', { maxUploadRatio: 3, uploadAllowanceBytes: 1000 })
    mesh.neighbours = ['n1']
    listAndStart(core, [segment(1), segment(2), segment(3)])
    const listener = (sequence: number) =>
      (transport.swarm(sequence) as unknown as { listener: import('../../src/client/core/ports.js').SwarmListener }).listener
    for (let piece = 0; piece < PIECES; piece++) transport.swarm(1).peerPiece(piece)
    listener(1).uploaded(3 * PIECE * PIECES - 1000)
    assert.equal(transport.uploading, true)
    listener(1).uploaded(2000)
    assert.equal(transport.uploading, false, 'over 95 % of 3x its downloads')
    for (let piece = 0; piece < PIECES; piece++) transport.swarm(2).peerPiece(piece)
    assert.equal(transport.uploading, true, 'downloads caught up')
  })

  it('weights the choice of first fetcher by measured upload rate: a fast uplink is first far more often', () => {
    const slow = { id: 'slow', uploads: true, uploadRate: 125_000 }
    const fast = { id: 'fast', uploads: true, uploadRate: 2_500_000 }
    let fastFirst = 0
    for (let sequence = 0; sequence < 400; sequence++) {
      const infoHash = segment(sequence).magnet.infoHash
      if (planFirstFetch(fast, [slow], 2, infoHash, DEFAULT_DELIVERY_CONFIG.firstFetch).now) fastFirst++
    }
    assert.ok(fastFirst > 330, `the 20x faster uplink was first for ${fastFirst} of 400 (about 20/21 expected)`)
  })

  it('measures its upload rate as the busiest second of the last minute', () => {
    const clock = new Scheduler()
    const meter = new UploadMeter(clock)
    assert.equal(meter.rate(), null)
    meter.uploaded(500_000)
    clock.advance(1000)
    meter.uploaded(100_000)
    clock.advance(1000)
    assert.equal(meter.rate(), 500_000)
    clock.advance(61_000)
    assert.equal(meter.rate(), null, 'a minute later it is forgotten')
  })
})

describe('delivery core: looking at the live edge', () => {
  it('the first-ranked viewer of a neighbourhood loads the playlist itself when the next segment is due', () => {
    const { core, clock, http, mesh } = rig('self', { edgePollers: 1 })
    mesh.neighbours = []
    listAndStart(core, [segment(1)])
    // New segments arrive every 4 s (seen by the player's reloads), one of them seen late.
    for (const [at, sequence] of [
      [4000, 2],
      [8600, 3],
      [12_000, 4],
    ] as const) {
      clock.runUntil(at)
      core.announce(PLAYLIST, [segment(sequence)])
    }
    assert.equal(http.textFetches.length, 0)
    clock.runUntil(15_749)
    assert.equal(http.textFetches.length, 0, 'the next segment is due at 16 s (from the least late arrival): first look 250 ms before')
    clock.runUntil(15_750)
    assert.deepEqual(
      http.textFetches.map((fetch) => fetch.url),
      [PLAYLIST],
    )
    http.textFetches[0]!.done(
      `#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXTINF:4,\n#EXT-X-LIVE-TORRENT-MAGNET:magnet:?xt=urn:btih:${segment(5).magnet.infoHash}&dn=seg5.ts&ws=${encodeURIComponent(segment(5).url)}&xs=${encodeURIComponent(segment(5).magnet.torrentUrl)}\n${segment(5).url}\n`,
    )
    assert.equal(core.knows(segment(5).url), true, 'what it loaded reached the core like any playlist')
  })

  it('only the lowest ranked `edgePollers` of a neighbourhood look; the others wait for their notice', () => {
    const looking = ['a', 'b', 'c', 'd', 'e'].filter((self) => {
      const { core, clock, http, mesh } = rig(self, { edgePollers: 2 })
      mesh.neighbours = ['a', 'b', 'c', 'd', 'e'].filter((id) => id !== self)
      listAndStart(core, [segment(1)])
      for (let sequence = 2; sequence <= 4; sequence++) {
        clock.runUntil((sequence - 1) * 4000)
        core.announce(PLAYLIST, [segment(sequence)])
      }
      clock.runUntil(30_000)
      return http.textFetches.length > 0
    })
    assert.equal(looking.length, 2, `looking: ${looking.join(', ')}`)
  })
})

describe('delivery core: what the player is told of the timing', () => {
  it('gives each delivery the typical HTTP timing of its bytes here, once an HTTP fetch was timed', () => {
    const { core, clock, http, mesh, transport } = rig()
    mesh.neighbours = ['n1']
    core.announce(PLAYLIST, [segment(1), segment(2)])
    const first = request(core, 1, 0)
    clock.advance(30)
    http.fetches[0]!.sink.data(new Uint8Array(PIECE * PIECES))
    clock.advance(10)
    http.fetches[0]!.sink.done()
    assert.equal(first.result?.httpEquivalent, null, 'complete before its own fetch ended: nothing timed yet')
    const second = request(core, 2, 10_000)
    clock.advance(2000)
    for (let piece = 0; piece < PIECES; piece++) transport.swarm(2).peerPiece(piece)
    assert.equal(second.result?.source, 'peers')
    // A 4 kB fetch says nothing of throughput: only its first byte counts.
    assert.deepEqual(second.result?.httpEquivalent, { firstByteMs: 30, transferMs: 0 }, 'not the 2 s it waited for peers')
  })
})

describe('delivery core: fetching for others before the .torrent is in', () => {
  it('starts the whole segment at once and cuts its pieces when the torrent arrives', () => {
    const { core, http, mesh, transport } = rig('self')
    const hash = segment(4).magnet.infoHash
    mesh.neighbours = neighbourhoodOf('self', hash)
    listAndStart(core, [segment(1), segment(2), segment(3)])
    transport.autoReady = false
    core.announce(PLAYLIST, [segment(2), segment(3), segment(4)])
    assert.equal(http.fetches.length, 1, 'no wait for the .torrent')
    assert.equal(http.fetches[0]!.range, null)
    http.fetches[0]!.respond()
    const swarm = transport.swarm(4)
    assert.equal(swarm.pieces.size, 0, 'nothing to cut yet')
    swarm.ready()
    assert.equal(swarm.pieces.size, PIECES, 'every piece handed over once the piece length is known')
  })

  it('a player asking for a segment fetched for others before its .torrent came gets that body at once', () => {
    const { core, http, mesh, transport } = rig('self')
    mesh.neighbours = neighbourhoodOf('self', segment(4).magnet.infoHash)
    listAndStart(core, [segment(1), segment(2), segment(3)])
    transport.autoReady = false
    core.announce(PLAYLIST, [segment(2), segment(3), segment(4)])
    http.fetches[0]!.respond()
    const outcome = request(core, 4, 10_000)
    assert.equal(outcome.result?.source, 'http')
    assert.equal(outcome.result?.waitedMs, 0)
    assert.equal(http.fetches.length, 1, 'no second fetch')
  })

  it('tells its neighbours of a segment from its playlist at once, and passes one on with its .torrent', () => {
    const { core, mesh, transport } = rig('self')
    mesh.neighbours = ['n1', 'n2']
    listAndStart(core, [segment(1)])
    mesh.sent.length = 0
    transport.autoReady = false
    core.announce(PLAYLIST, [segment(1), segment(2)])
    const fromPlaylist = mesh.sent.filter((sent) => sent.message.t === 'segment')
    assert.equal(fromPlaylist.length, 2, 'before its own torrent is in')
    assert.ok(fromPlaylist.every((sent) => sent.message.t === 'segment' && sent.message.torrent === undefined))
    mesh.sent.length = 0
    core.onControl('n1', { t: 'segment', playlistUrl: PLAYLIST, segment: segment(3) })
    assert.equal(mesh.sent.filter((sent) => sent.message.t === 'segment').length, 0, 'passed on only once its torrent is in')
    transport.swarm(3).ready()
    const passed = mesh.sent.filter((sent) => sent.message.t === 'segment')
    assert.deepEqual(
      passed.map((sent) => sent.to),
      ['n2'],
    )
    assert.ok(passed[0]!.message.t === 'segment' && passed[0]!.message.torrent instanceof Uint8Array)
  })
})

function neighbourhoodOf(self: string, infoHash: string): string[] {
  const own = rankOf(self, infoHash)
  const ids: string[] = []
  for (let index = 0; ids.length < 5; index++) if (rankOf(`m${index}`, infoHash) > own) ids.push(`m${index}`)
  return ids
}
