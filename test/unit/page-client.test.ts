import assert from 'node:assert/strict'
import { afterEach, describe, it } from 'node:test'
import type { P2PStackOptions, StartP2PStack } from '../../src/client/stack-port.js'
import { resolveClientConfig } from '../../src/client/config.js'
import { PageClient } from '../../src/client/page-client.js'
import { Scheduler } from '../../bench/sim/scheduler.js'
import { FakeHttp, FakeMesh, FakeTransport, PIECES, PLAYLIST, SHAPE, segment } from './core-fakes.js'

/** A P2P stack of fakes, and what the page client asked of it. */
function fakeStack() {
  const started: P2PStackOptions[] = []
  const transport = new FakeTransport()
  const meshes: FakeMesh[] = []
  const start: StartP2PStack = (options) => {
    started.push(options)
    const mesh = new FakeMesh(options.peerId)
    meshes.push(mesh)
    return { transport, mesh, start: () => {}, destroy: () => {} }
  }
  /** A neighbour connects, as the stack tells the page client. */
  const neighbourArrives = (id: string) => {
    meshes[0]!.neighbours.push(id)
    started[0]!.events.neighbour(id)
    started[0]!.events.neighbours(meshes[0]!.neighbours.length)
  }
  return { started, transport, start, neighbourArrives }
}

const MESH = [{ swarm: 'ab'.repeat(20), trackers: ['ws://origin.test/announce'] }]
const body = () => new Uint8Array(SHAPE.length)
const settle = () => new Promise((resolve) => setTimeout(resolve, 0))

describe('page client: P2P starts after the player', () => {
  const clients: PageClient[] = []
  const client = (loadStack: () => Promise<StartP2PStack>, p2p = true) => {
    const made = new PageClient(resolveClientConfig({ p2p, report: false }), loadStack)
    clients.push(made)
    return made
  }
  afterEach(() => clients.splice(0).forEach((made) => made.destroy()))

  it('loads no P2P code and answers nothing until startP2P; then seeds what HTTP brought meanwhile', async () => {
    const stack = fakeStack()
    let loads = 0
    const page = client(() => (loads++, Promise.resolve(stack.start)))
    const started: string[] = []
    page.onP2PStarted(() => started.push('p2p'))
    page.announce(PLAYLIST, [segment(1), segment(2), segment(3)], MESH)
    page.fetchedElsewhere(segment(1).url, body(), 40)
    assert.equal(loads, 0)
    assert.equal(page.p2p, false, 'the worker is told to fetch the segments itself')
    assert.equal(page.knows(segment(2).url), false)
    assert.equal(await page.deliver(segment(2).url, 0), null)
    assert.equal(page.recorder.stats.bytesFromHttp, SHAPE.length, 'the stats show the HTTP segment at once')

    page.startP2P()
    page.startP2P()
    await settle()
    assert.equal(loads, 1)
    assert.equal(stack.started.length, 1)
    assert.equal(stack.started[0]!.shard.swarm, MESH[0]!.swarm, 'the mesh of the playlist seen before the start')
    assert.equal(page.p2p, true)
    assert.deepEqual(started, ['p2p'])
    // The early segment is in its swarm, complete from its HTTP bytes (seeded), and the ones after it are joined.
    assert.equal(stack.transport.swarm(1).pieces.size, SHAPE.pieceCount)
    assert.ok(page.knows(segment(3).url))
    assert.equal(page.recorder.stats.bytesFromHttp, SHAPE.length, 'and counts it once')
    assert.equal(page.recorder.stats.segmentsFromHttp, 1)
  })

  it('loads the stack only once the stream lists a segment with a magnet, and keeps no bytes of unlisted ones', async () => {
    const stack = fakeStack()
    let loads = 0
    const page = client(() => (loads++, Promise.resolve(stack.start)))
    page.startP2P()
    page.fetchedElsewhere(segment(1).url, body(), 40)
    await settle()
    assert.equal(loads, 0, 'no magnets yet: nothing to load WebTorrent for')
    page.announce(PLAYLIST, [segment(2), segment(3)], MESH)
    assert.equal(loads, 1)
    await settle()
    assert.equal(page.p2p, true)
    assert.equal(stack.transport.swarms.filter((swarm) => swarm.pieces.size > 0).length, 0, 'seg1 was not listed: not seeded')
    assert.equal(page.recorder.stats.segmentsFromHttp, 1)
  })

  it('starts nothing once destroyed, even if the stack arrives afterwards', async () => {
    const stack = fakeStack()
    let arrive: (start: StartP2PStack) => void = () => {}
    const page = client(() => new Promise((resolve) => (arrive = resolve)))
    page.announce(PLAYLIST, [segment(1)], MESH)
    page.startP2P()
    page.destroy()
    arrive(stack.start)
    await settle()
    assert.equal(stack.started.length, 0)
    assert.equal(page.p2p, false)
  })

  it('gives P2P up for good on a stream whose magnets name no WebSocket tracker', async () => {
    const stack = fakeStack()
    const page = client(() => Promise.resolve(stack.start))
    const noTracker = { ...segment(1), magnet: { ...segment(1).magnet, trackers: [] } }
    page.announce(PLAYLIST, [noTracker])
    page.startP2P()
    await settle()
    page.announce(PLAYLIST, [noTracker])
    page.fetchedElsewhere(noTracker.url, body(), 40)
    assert.equal(stack.started.length, 0)
    assert.equal(page.p2p, false)
    assert.equal(page.recorder.stats.segmentsFromHttp, 1)
  })

  it('plays on over HTTP, every byte counted, when the P2P script does not load', async () => {
    const page = client(() => Promise.reject(new Error('404')))
    page.announce(PLAYLIST, [segment(1), segment(2)], MESH)
    page.fetchedElsewhere(segment(1).url, body(), 40)
    page.startP2P()
    await settle()
    page.fetchedElsewhere(segment(2).url, body(), 40)
    assert.equal(page.p2p, false)
    assert.equal(page.recorder.stats.segmentsFromHttp, 2)
    assert.equal(await page.deliver(segment(2).url, 0), null)
  })

  it('plays on over HTTP when the stack throws at its start (e.g. another WebTorrent version)', async () => {
    const page = client(() =>
      Promise.resolve(() => {
        throw new Error('webtorrent 3.0.0 is not the 2.8 line')
      }),
    )
    page.fetchedElsewhere(segment(1).url, body(), 40)
    page.startP2P()
    await settle()
    page.announce(PLAYLIST, [segment(1), segment(2)], MESH)
    assert.equal(page.p2p, false)
    assert.equal(page.recorder.stats.segmentsFromHttp, 1)
  })

  it('with P2P off, never loads the P2P script', async () => {
    let loads = 0
    const page = client(() => (loads++, Promise.resolve(fakeStack().start)), false)
    page.startP2P()
    page.fetchedElsewhere(segment(1).url, body(), 40)
    await settle()
    assert.equal(loads, 0)
    assert.equal(page.recorder.stats.segmentsFromHttp, 1)
  })
})

describe('page client: the startup hold', () => {
  const clients: PageClient[] = []
  afterEach(() => clients.splice(0).forEach((made) => made.destroy()))

  /**
   * A page client on fake time and fake HTTP that has seen seg1-3 listed and fetched seg1 (its first) itself, in
   * 40 ms if `timed` (as the hls.js loader reports it), else untimed (as the worker does).
   */
  async function started(overrides = {}, timed = false) {
    const clock = new Scheduler()
    const http = new FakeHttp()
    const stack = fakeStack()
    const page = new PageClient(resolveClientConfig({ report: false, ...overrides }), () => Promise.resolve(stack.start), { clock, http })
    clients.push(page)
    page.announce(PLAYLIST, [segment(1), segment(2), segment(3)], MESH)
    assert.equal(await page.deliver(segment(1).url, 0), null, 'the segment the player needs at once: HTTP, now')
    page.fetchedElsewhere(segment(1).url, body(), 40, timed ? { startedAt: 1000, firstByteAt: 1010, endedAt: 1040 } : undefined)
    page.startP2P()
    await settle()
    assert.equal(page.p2p, true)
    return { clock, http, stack, page }
  }

  /** The first neighbour connects, and sends every piece of segment `sequence`. */
  async function neighbourSends(stack: ReturnType<typeof fakeStack>, sequence: number) {
    stack.neighbourArrives('n1')
    await settle()
    for (let piece = 0; piece < PIECES; piece++) stack.transport.swarm(sequence).peerPiece(piece)
    await settle()
  }

  it('holds a buffer-filling request until the first neighbour, then takes it from peers instead of HTTP', async () => {
    const { clock, http, stack, page } = await started()
    assert.equal(page.answers(segment(2).url), true)
    const outcome: { result?: { source: string } | null } = {}
    void page.deliver(segment(2).url, 8000).then((result) => (outcome.result = result))
    clock.advance(1500)
    await settle()
    assert.ok(!('result' in outcome), 'held: 8 s buffered lets it wait up to 4 s')
    assert.equal(http.fetches.length, 0, 'and nothing went over HTTP meanwhile')
    await neighbourSends(stack, 2)
    assert.equal(outcome.result?.source, 'peers')
    assert.equal(http.fetches.length, 0)
    assert.equal(page.recorder.stats.segmentsFromHttp, 1, 'only seg1, the startup segment')
  })

  it('with the startup fetch timed, holds a request with one segment buffered for the reserve that HTTP needs', async () => {
    const { clock, http, stack, page } = await started({}, true)
    const outcome: { result?: { source: string; httpEquivalent: unknown } | null } = {}
    void page.deliver(segment(2).url, 4000).then((result) => (outcome.result = result))
    clock.advance(999)
    await settle()
    assert.equal(http.fetches.length, 0, 'held: 4 s buffered - the 3 s reserve (4 x 40 ms, at least minHttpReserveMs)')
    await neighbourSends(stack, 2)
    assert.equal(outcome.result?.source, 'peers')
    assert.ok(outcome.result?.httpEquivalent, 'timed for hls.js as the startup fetch went, not as the wait for the mesh')
    const untimed = await started()
    void untimed.page.deliver(segment(2).url, 4000).catch(() => {})
    await settle()
    assert.equal(untimed.http.fetches.length, 1, 'untimed: the 4 s default reserve leaves no time to wait')
  })

  it('goes over HTTP when no neighbour comes within the deadline, and holds nothing once its window has passed', async () => {
    const { clock, http, page } = await started()
    let outcome: { source: string } | null | undefined
    void page.deliver(segment(2).url, 8000).then((result) => (outcome = result))
    clock.advance(3999)
    await settle()
    assert.equal(http.fetches.length, 0)
    clock.advance(1)
    await settle()
    assert.equal(http.fetches.length, 1, 'at 4 s: the deadline (8 s buffered - the 4 s HTTP reserve)')
    http.fetches[0]!.respond()
    await settle()
    assert.equal(outcome?.source, 'http')
    clock.advance(1000)
    void page.deliver(segment(3).url, 8000).catch(() => {}) // left pending: rejected when the client is destroyed
    await settle()
    assert.equal(http.fetches.length, 2, '5 s after P2P started (startupHoldMs), a viewer alone is not held')
  })

  it('holds nothing with startupHoldMs 0, nor a request of the service worker (it times its own wait)', async () => {
    const off = await started({ startupHoldMs: 0 })
    void off.page.deliver(segment(2).url, 8000).catch(() => {})
    await settle()
    assert.equal(off.http.fetches.length, 1, 'no neighbour, no hold: HTTP at once')
    const worker = await started()
    let handedOver: unknown = null
    void worker.page.deliver(segment(2).url, 8000, true).catch((err: unknown) => (handedOver = err))
    await settle()
    assert.ok(handedOver instanceof Error, 'handed back to the worker at once: no neighbour to wait for')
    assert.equal(worker.http.fetches.length, 0, 'the worker fetches it itself, not the page')
  })

  it('answers only for listed segments, and for none once P2P is off', async () => {
    const page = new PageClient(resolveClientConfig({ report: false }), () => Promise.reject(new Error('404')))
    clients.push(page)
    page.announce(PLAYLIST, [segment(2)], MESH)
    assert.equal(page.answers(segment(2).url), true, 'P2P is on its way: a listed segment can be held for it')
    assert.equal(page.answers(segment(9).url), false)
    page.startP2P()
    await settle()
    assert.equal(page.answers(segment(2).url), false, 'the P2P script did not load')
    assert.equal(await page.deliver(segment(2).url, 8000), null, 'and nothing waits for it')
  })
})
