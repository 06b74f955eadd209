import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import TrackerServer from 'bittorrent-tracker/server'
import { DEFAULT_TRACKER_CONFIG } from '../../src/tracker/config.js'
import { GuardedTrackerServer, indexPeers, type LibrarySwarm } from '../../src/tracker/library-adapter.js'

type Announce = { type: string; event: string; peer_id: string; numwant: number; left: number; socket?: object }
interface TestSwarm extends LibrarySwarm {
  complete: number
  incomplete: number
  announce(params: Announce, cb: (err: Error | null, response: { peers: Array<{ peerId: string }> }) => void): void
}

/** The library's own swarm class, as its server creates one (bittorrent-tracker 11.2.3: `Server.Swarm`). */
const Swarm = (TrackerServer as unknown as { Swarm: new (infoHash: string, server: object) => unknown }).Swarm

function swarm(peersCacheLength: number): TestSwarm {
  const created = new Swarm('aa'.repeat(20), { peersCacheLength }) as unknown as TestSwarm
  indexPeers(created)
  return created
}

function announce(target: TestSwarm, peerId: string, event: string, numwant = 0): string[] {
  let peers: string[] = []
  target.announce({ type: 'ws', event, peer_id: peerId, numwant, left: 1, socket: { infoHashes: ['aa'.repeat(20)] } }, (err, response) => {
    assert.ifError(err)
    peers = response.peers.map((peer) => peer.peerId)
  })
  return peers
}

describe('tracker swarms as large as a big mesh', () => {
  it('hold every viewer of a 5,000-viewer swarm (the library forgot all but the last 1,000)', async () => {
    const guarded = new GuardedTrackerServer({
      announceIntervalMs: 50_000,
      maxPeersPerSwarm: DEFAULT_TRACKER_CONFIG.maxPeersPerSwarm,
      maxMessageBytes: 65536,
      filter: () => null,
      screen: () => null,
      onThrow: (err) => assert.fail(String(err)),
      onWarning: () => {},
    })
    const library = (
      guarded as unknown as { server: { createSwarm(hash: string, cb: (err: Error | null, swarm: TestSwarm) => void): void } }
    ).server
    const big = await new Promise<TestSwarm>((resolve) => library.createSwarm('aa'.repeat(20), (_err, created) => resolve(created)))
    await guarded.close()
    for (let i = 0; i < 5000; i++) announce(big, `peer-${i}`, 'started')
    assert.equal(big.peers.length, 5000)
    assert.equal(big.incomplete, 5000)
  })

  it('hand an announce numwant distinct peers, never the announcer itself', () => {
    const big = swarm(100_000)
    for (let i = 0; i < 2000; i++) announce(big, `peer-${i}`, 'started')
    for (let round = 0; round < 200; round++) {
      const peers = announce(big, 'peer-7', 'update', 10)
      assert.equal(peers.length, 10)
      assert.equal(new Set(peers).size, 10, 'no peer twice')
      assert.ok(!peers.includes('peer-7'), 'not the announcer')
    }
  })

  it('never hands out a peer that stopped, and gives what there is in a small swarm', () => {
    const small = swarm(100_000)
    for (const id of ['a', 'b', 'c', 'd']) announce(small, id, 'started')
    announce(small, 'b', 'stopped')
    announce(small, 'd', 'stopped')
    for (let round = 0; round < 50; round++) assert.deepEqual(announce(small, 'a', 'update', 10), ['c'])
  })

  it('forgets evicted peers too, when a swarm is at its bound', () => {
    const bounded = swarm(3)
    for (const id of ['a', 'b', 'c', 'd']) announce(bounded, id, 'started')
    const seen = new Set<string>()
    for (let round = 0; round < 100; round++) for (const id of announce(bounded, 'd', 'update', 5)) seen.add(id)
    assert.deepEqual([...seen].sort(), ['b', 'c'], 'a, evicted for d, is never handed out')
  })
})
