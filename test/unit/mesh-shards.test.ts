import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { describe, it } from 'node:test'
import { Links } from '../../src/origin/http/links.js'
import { meshSwarm, meshSwarms } from '../../src/origin/mesh-plan.js'
import { withDefaults } from '../../src/origin/config.js'
import { MESH_INFOHASH } from '../../src/protocol/mesh.js'
import { fallbackShard, formatMeshLine, pickShard, readMeshShards } from '../../src/protocol/mesh-shards.js'

const A = 'ws://tracker-a.test:8000/announce'
const B = 'wss://tracker-b.test/announce'

describe('mesh shards in the playlist', () => {
  it('an origin without shards lists one mesh line: its own swarm on its WebSocket trackers', () => {
    const links = new Links('http://origin.test/', true, [B, 'http://plain.test/announce'], { feedId: 'feed', shards: [] })
    const shards = readMeshShards(links.meshLines().join('\n'))
    assert.deepEqual(shards, [{ swarm: meshSwarm('feed', 0), trackers: ['ws://origin.test/announce', B] }])
  })

  it('configured shards each get a line with their own swarm and trackers, in order', () => {
    const links = new Links('http://origin.test/', false, [], { feedId: 'feed', shards: [[A], [B, A]] })
    const shards = readMeshShards(`#EXTM3U\n${links.meshLines().join('\n')}\n`)
    assert.deepEqual(shards, [
      { swarm: meshSwarm('feed', 0), trackers: [A] },
      { swarm: meshSwarm('feed', 1), trackers: [B, A] },
    ])
    assert.deepEqual(meshSwarms({ feedId: 'feed', shards: [[A], [B]] }), [meshSwarm('feed', 0), meshSwarm('feed', 1)])
  })

  it('two feeds never share a swarm, even on one tracker', () => {
    assert.notEqual(meshSwarm('feed one', 0), meshSwarm('feed two', 0))
    assert.notEqual(meshSwarm('feed one', 0), MESH_INFOHASH)
  })

  it('viewers spread evenly over the shards by their random ids', () => {
    const shards = [0, 1, 2].map((shard) => ({ swarm: meshSwarm('f', shard), trackers: [A] }))
    const counts = [0, 0, 0]
    for (let i = 0; i < 3000; i++) counts[shards.indexOf(pickShard(shards, randomBytes(20).toString('hex'))!)]!++
    for (const count of counts) assert.ok(count > 850 && count < 1150, `each shard gets about a third: ${counts.join('/')}`)
    const id = randomBytes(20).toString('hex')
    assert.equal(pickShard(shards, id), pickShard(shards, id), 'the same viewer always picks the same shard')
    assert.equal(pickShard([], id), null)
  })

  it('lines that do not read are skipped, and the rest of the playlist still counts', () => {
    const good = formatMeshLine({ swarm: meshSwarm('f', 0), trackers: [A] })
    const text = [
      '#EXT-X-LIVE-TORRENT-MESH:SWARM=xyz,TRACKERS="ws://a/announce"',
      `#EXT-X-LIVE-TORRENT-MESH:SWARM=${meshSwarm('f', 1)},TRACKERS="javascript:alert(1) http://a/announce"`,
      `#EXT-X-LIVE-TORRENT-MESH:SWARM=${meshSwarm('f', 2)}`,
      good,
    ].join('\n')
    assert.deepEqual(readMeshShards(text), [{ swarm: meshSwarm('f', 0), trackers: [A] }])
  })

  it("a playlist without mesh lines (another packager) meets on the fixed swarm of its magnets' ws trackers", () => {
    assert.deepEqual(fallbackShard([A, 'udp://x:1', A, B]), { swarm: MESH_INFOHASH, trackers: [A, B] })
    assert.equal(fallbackShard(['udp://x:1']), null)
  })

  it('a bad shard in the configuration is a clear error', () => {
    assert.throws(() => withDefaults({ shards: [[]] }), /each shard lists at least one tracker/)
    assert.throws(() => withDefaults({ shards: [['http://a/announce']] }), /not a ws:\/\/ or wss:\/\/ tracker URL/)
    assert.throws(() => formatMeshLine({ swarm: 'nothex', trackers: [A] }), /40 lowercase hex/)
  })
})
