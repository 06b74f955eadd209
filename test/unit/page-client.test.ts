import assert from 'node:assert/strict'
import { afterEach, describe, it } from 'node:test'
import type { P2PStackOptions, StartP2PStack } from '../../src/client/stack-port.js'
import { resolveClientConfig } from '../../src/client/config.js'
import { PageClient } from '../../src/client/page-client.js'
import { FakeMesh, FakeTransport, PLAYLIST, SHAPE, segment } from './core-fakes.js'

/** A P2P stack of fakes, and what the page client asked of it. */
function fakeStack() {
  const started: P2PStackOptions[] = []
  const transport = new FakeTransport()
  const start: StartP2PStack = (options) => {
    started.push(options)
    return { transport, mesh: new FakeMesh(options.peerId), start: () => {}, destroy: () => {} }
  }
  return { started, transport, start }
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
