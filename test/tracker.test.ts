import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import type { Origin } from '../src/origin/origin.js'
import { MESH_INFOHASH } from '../src/protocol/mesh.js'
import { makeTsVod } from './support/media.js'
import { eventually, getBytes, getText, mediaSequence, playlistEntries, startOrigin } from './support/origin.js'
import { TrackerSocket, binaryId, type TrackerReply } from './support/tracker-socket.js'

type TrackerAnswer = TrackerReply

/** A WebTorrent tracker client that speaks the wire protocol by hand: JSON messages over one WebSocket. */
class TrackerClient {
  readonly peerId = `-LT0001-${randomBytes(6).toString('hex')}`

  private constructor(readonly socket: TrackerSocket) {}

  static async connect(url: string): Promise<TrackerClient> {
    return new TrackerClient(await TrackerSocket.connect(url))
  }

  /** Announces one infohash (hex) and returns the tracker's answer to it. */
  async announce(infoHashHex: string, left = 0): Promise<TrackerAnswer> {
    const infoHash = binaryId(infoHashHex)
    assert.equal(this.peerId.length, 20)
    this.socket.send(
      JSON.stringify({
        action: 'announce',
        info_hash: infoHash,
        peer_id: this.peerId,
        event: 'started',
        numwant: 0,
        uploaded: 0,
        downloaded: 0,
        left,
        offers: [],
      }),
    )
    const answer = await this.socket.next(
      (reply) => reply.info_hash === infoHash || (reply['failure reason'] !== undefined && reply.info_hash === undefined),
    )
    if (!answer) throw new Error(`no tracker answer for ${infoHashHex}`)
    return answer
  }

  close(): void {
    this.socket.close()
  }
}

function announceUrl(origin: Origin): string {
  return new URL('announce', origin.url).href.replace(/^http/, 'ws')
}

async function metric(origin: Origin, name: string): Promise<number> {
  const { text } = await getText(new URL('metrics', origin.url).href)
  const escaped = name.replace(/[{}"=]/g, (char) => `\\${char}`)
  const match = new RegExp(`^${escaped} (\\d+(?:\\.\\d+)?)`, 'm').exec(text)
  assert.ok(match, `${name} in /metrics`)
  return Number(match[1])
}

async function publishedInfoHashes(origin: Origin): Promise<string[]> {
  const { text } = await getText(origin.playlistUrl)
  return playlistEntries(text).map((entry) => {
    assert.ok(entry.magnet)
    return entry.magnet.infoHash
  })
}

describe('built-in WebTorrent tracker: admission', () => {
  let origin: Origin
  const clients: TrackerClient[] = []
  before(async () => {
    origin = await startOrigin({ kind: 'sample' }, { windowSegments: 4 })
    await origin.whenReady()
  })
  after(async () => {
    for (const client of clients) client.close()
    await origin.stop()
  })
  const connect = async (): Promise<TrackerClient> => {
    const client = await TrackerClient.connect(announceUrl(origin))
    clients.push(client)
    return client
  }

  it('admits an infohash from the served playlist', async () => {
    const hash = (await publishedInfoHashes(origin)).at(-1)!
    const answer = await (await connect()).announce(hash)
    assert.equal(answer['failure reason'], undefined, `admitted: ${JSON.stringify(answer)}`)
    assert.equal(answer.action, 'announce')
    assert.equal(typeof answer.interval, 'number')
    assert.ok((answer.interval as number) > 0)
    assert.equal(typeof answer.complete, 'number')
    assert.equal(typeof answer.incomplete, 'number')
    assert.equal(answer.info_hash, Buffer.from(hash, 'hex').toString('latin1'))
  })

  it('refuses an infohash it never published', async () => {
    const hash = randomBytes(20).toString('hex')
    const answer = await (await connect()).announce(hash)
    assert.match(String(answer['failure reason']), /unknown infohash/)
    assert.equal(answer.complete, undefined)
  })

  it('counts the peers of a swarm: the second announcer sees the first', async () => {
    const hashes = await publishedInfoHashes(origin)
    const hash = hashes.at(-2)!
    const seeder = await connect()
    const first = await seeder.announce(hash, 0)
    assert.equal(first.complete, 1)
    assert.equal(first.incomplete, 0)
    const leecher = await connect()
    const second = await leecher.announce(hash, 1000)
    assert.equal(second.complete, 1, `the first (a seeder) is counted: ${JSON.stringify(second)}`)
    assert.equal(second.incomplete, 1)
    const third = await (await connect()).announce(hash, 0)
    assert.equal(third.complete, 2)
    assert.equal(third.incomplete, 1)
    assert.ok((await metric(origin, 'live_torrent_tracker_peers')) >= 3)
    assert.ok((await metric(origin, 'live_torrent_tracker_swarms')) >= 1)
  })
})

describe('built-in WebTorrent tracker: segments leaving the window', () => {
  let dir: string
  let origin: Origin
  const clients: TrackerClient[] = []
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lt-tracker-'))
    // 12 one-second segments looped, window 2: a segment leaves the playlist 1 s after it enters, is dropped after
    // its grace time (about 4 s), and comes back (same bytes, same infohash) only 12 s after it was first published.
    const playlist = await makeTsVod(join(dir, 'vod'), { segments: 12, segmentSeconds: 1 })
    origin = await startOrigin({ kind: 'playlist-file', path: playlist }, { loop: true, windowSegments: 2 })
    await origin.whenReady()
  })
  after(async () => {
    for (const client of clients) client.close()
    await origin?.stop()
    await rm(dir, { recursive: true, force: true })
  })

  it('keeps a just-dropped segment within grace, then forgets it: 404s, refused announces, swarm pruned', async () => {
    const { text } = await getText(origin.playlistUrl)
    const entry = playlistEntries(text)[0]!
    assert.ok(entry.magnet)
    const sequence = mediaSequence(text)
    assert.equal(entry.uri, `seg${sequence}.ts`)
    const hash = entry.magnet.infoHash
    const segmentUrl = new URL(entry.uri, origin.playlistUrl).href
    const torrentUrl = `${segmentUrl}.torrent`

    const client = await TrackerClient.connect(announceUrl(origin))
    clients.push(client)
    const admitted = await client.announce(hash)
    assert.equal(admitted['failure reason'], undefined)
    assert.equal(await metric(origin, 'live_torrent_tracker_swarms'), 1)

    // Out of the playlist, but within its grace time: still served.
    await eventually(
      async () => !(await getText(origin.playlistUrl)).text.includes(`\n${entry.uri}\n`),
      5000,
      `${entry.uri} to leave the playlist`,
    )
    assert.equal((await getBytes(segmentUrl)).status, 200, 'a just-dropped segment is still served')
    assert.equal((await getBytes(torrentUrl)).status, 200, "a just-dropped segment's .torrent is still served")
    const stillAdmitted = await client.announce(hash)
    assert.equal(stillAdmitted['failure reason'], undefined, 'its swarm lives on during the grace time')

    // After the grace time: gone everywhere.
    await eventually(async () => (await getBytes(segmentUrl)).status === 404, 8000, `${entry.uri} to become 404`)
    assert.equal((await getBytes(torrentUrl)).status, 404)
    const refused = await client.announce(hash)
    assert.match(String(refused['failure reason']), /unknown infohash/)
    assert.equal(await metric(origin, 'live_torrent_tracker_swarms'), 0, 'the swarm was pruned')
    assert.equal(await metric(origin, 'live_torrent_tracker_peers'), 0)
    // Only now, well before the loop brings these bytes back, does the check above mean anything.
    assert.ok(!(await publishedInfoHashes(origin)).includes(hash), 'the infohash is not back in the playlist yet')
  })
})

describe('built-in WebTorrent tracker: limits per connection', () => {
  let origin: Origin
  const sockets: TrackerSocket[] = []
  before(async () => {
    origin = await startOrigin(
      { kind: 'sample' },
      { windowSegments: 4, tracker: { messageBurst: 10, messagesPerSecond: 5, maxViolationsPerSocket: 20, heartbeatMs: 300 } },
    )
    await origin.whenReady()
  })
  after(async () => {
    for (const socket of sockets) socket.close()
    await origin.stop()
  })
  const open = async (): Promise<TrackerSocket> => {
    const socket = await TrackerSocket.connect(announceUrl(origin))
    sockets.push(socket)
    return socket
  }
  const meshAnnounce = (peerId: string, extra: Record<string, unknown> = {}) =>
    JSON.stringify({
      action: 'announce',
      info_hash: binaryId(MESH_INFOHASH),
      peer_id: peerId,
      event: 'started',
      left: 1,
      offers: [],
      ...extra,
    })

  it('slows a flooding connection down, then closes it, while another viewer is served as before', async () => {
    const viewer = await open()
    const flood = await open()
    viewer.send(meshAnnounce('viewer-0000000000000'))
    assert.equal((await viewer.next((reply) => reply.action === 'announce'))?.['failure reason'], undefined)
    for (let index = 0; index < 200 && flood.open; index++) flood.send(meshAnnounce('flood-00000000000000'))
    await eventually(() => flood.closeCode !== null, 5000, 'the flooding connection to be closed')
    assert.equal(flood.closeCode, 1008)
    assert.ok(flood.replies.some((reply) => reply['failure reason'] === 'too many messages: slow down' && reply.action === 'announce'))
    assert.ok(flood.replies.filter((reply) => reply['failure reason'] === undefined).length <= 12, 'only the burst got through')
    viewer.send(meshAnnounce('viewer-0000000000000', { event: 'update' }))
    assert.equal((await viewer.next((reply) => reply.action === 'announce'))?.['failure reason'], undefined)
    assert.ok((await metric(origin, 'live_torrent_tracker_refused_messages_total{reason="rate"}')) >= 20)
    assert.equal(await metric(origin, 'live_torrent_tracker_closed_sockets_total{reason="violations"}'), 1)
    assert.equal((await getText(origin.playlistUrl)).status, 200)
  })

  it('closes a connection that sends a message over the size limit (WebSocket 1009)', async () => {
    const socket = await open()
    socket.send(Buffer.alloc(65 * 1024, 0x20))
    await eventually(() => socket.closeCode !== null, 5000, 'the connection to be closed')
    assert.equal(socket.closeCode, 1009)
  })

  it('keeps a peer id to its connection: a stranger cannot announce stopped in its name', async () => {
    const victim = await open()
    victim.send(meshAnnounce('victim-0000000000000'))
    await victim.next((reply) => reply.action === 'announce')
    const stranger = await open()
    stranger.send(meshAnnounce('victim-0000000000000', { event: 'stopped' }))
    const refused = await stranger.next((reply) => reply.action === 'announce')
    assert.equal(refused?.['failure reason'], 'peer_id is in use by another connection')
    const probe = await open()
    probe.send(JSON.stringify({ action: 'scrape', info_hash: binaryId(MESH_INFOHASH) }))
    const scrape = await probe.next((reply) => reply.action === 'scrape')
    const files = scrape?.files as Record<string, { incomplete: number }>
    assert.ok(files[binaryId(MESH_INFOHASH)]!.incomplete >= 1, 'the victim is still in the mesh swarm')
  })

  it('drops a connection that stopped answering pings, and frees its peer id', async () => {
    const silent = await open()
    silent.send(meshAnnounce('silent-0000000000000'))
    await silent.next((reply) => reply.action === 'announce')
    const peersBefore = await metric(origin, 'live_torrent_tracker_peers')
    // No more reads on this side: pings go unanswered, as from a viewer whose network vanished without a TCP close.
    ;(silent.ws as unknown as { _socket: { pause(): void } })._socket.pause()
    await eventually(async () => (await metric(origin, 'live_torrent_tracker_peers')) < peersBefore, 5000, 'the silent peer to leave')
    assert.ok((await metric(origin, 'live_torrent_tracker_closed_sockets_total{reason="heartbeat"}')) >= 1)
    const back = await open()
    back.send(meshAnnounce('silent-0000000000000'))
    assert.equal((await back.next((reply) => reply.action === 'announce'))?.['failure reason'], undefined, 'its peer id is free again')
  })
})

describe('built-in WebTorrent tracker: privacy (minSwarm)', () => {
  let origin: Origin
  const sockets: TrackerSocket[] = []
  before(async () => {
    origin = await startOrigin({ kind: 'sample' }, { windowSegments: 4, tracker: { minSwarm: 3 } })
    await origin.whenReady()
  })
  after(async () => {
    for (const socket of sockets) socket.close()
    await origin.stop()
  })
  const SDP = 'v=0\r\no=- 1 2 IN IP4 192.0.2.7\r\ns=-\r\nt=0 0\r\na=candidate:1 1 udp 2122260223 192.0.2.7 50000 typ host\r\n'
  const join = async (peerId: string): Promise<TrackerSocket> => {
    const socket = await TrackerSocket.connect(announceUrl(origin))
    sockets.push(socket)
    // One offer per peer it may reach, as a WebTorrent client makes them (the tracker relays each to one peer).
    const offers = Array.from({ length: 5 }, () => ({
      offer_id: binaryId(randomBytes(20).toString('hex')),
      offer: { type: 'offer', sdp: SDP },
    }))
    socket.send(
      JSON.stringify({
        action: 'announce',
        info_hash: binaryId(MESH_INFOHASH),
        peer_id: peerId,
        event: 'started',
        left: 1,
        numwant: 5,
        offers,
      }),
    )
    assert.equal((await socket.next((reply) => reply.action === 'announce' && reply.offer === undefined))?.['failure reason'], undefined)
    return socket
  }
  const offered = (socket: TrackerSocket) => socket.replies.some((reply) => reply.offer !== undefined)

  it("relays no viewer's offer (its addresses) until the swarm has minSwarm viewers", async () => {
    const first = await join('private-000000000001')
    const second = await join('private-000000000002')
    await new Promise((resolve) => setTimeout(resolve, 500))
    assert.equal(offered(first), false, 'two viewers: the first got no offer from the second')
    assert.ok((await metric(origin, 'live_torrent_tracker_withheld_offers_total')) >= 10)
    await join('private-000000000003')
    // The third makes three: its offers go out, and with them its addresses, to the two before it.
    await eventually(() => offered(first) && offered(second), 5000, 'the first two viewers to get the third one offers')
  })
})

describe('built-in WebTorrent tracker: its own process', () => {
  let origin: Origin
  const clients: TrackerClient[] = []
  before(async () => {
    origin = await startOrigin({ kind: 'sample' }, { windowSegments: 4 })
    await origin.whenReady()
  })
  after(async () => {
    for (const client of clients) client.close()
    await origin.stop()
  })

  it('ends without the origin: playlists and segments go on, the tracker is restarted with what is published', async () => {
    const hash = (await publishedInfoHashes(origin)).at(-1)!
    const before = await TrackerClient.connect(announceUrl(origin))
    clients.push(before)
    assert.equal((await before.announce(hash))['failure reason'], undefined)
    const pid = origin.trackerPid
    assert.ok(pid)
    process.kill(pid, 'SIGKILL')
    await eventually(async () => !before.socket.open, 5000, 'the tracker connection to close with its process')
    // Asked at once, while the process is still down: the connection waits for the new one.
    const during = await TrackerClient.connect(announceUrl(origin))
    clients.push(during)
    const playlist = await getText(origin.playlistUrl)
    assert.equal(playlist.status, 200)
    const segment = await getBytes(new URL(playlistEntries(playlist.text).at(-1)!.uri, origin.playlistUrl).href)
    assert.equal(segment.status, 200)
    assert.notEqual(origin.trackerPid, pid, 'a new tracker process')
    const answer = await during.announce(hash)
    assert.equal(answer['failure reason'], undefined, `the published segment is admitted again: ${JSON.stringify(answer)}`)
    assert.match(String((await during.announce(randomBytes(20).toString('hex')))['failure reason']), /unknown infohash/)
    assert.equal(await metric(origin, 'live_torrent_tracker_restarts_total'), 1)
    assert.equal(await metric(origin, 'live_torrent_tracker_up'), 1)
    assert.equal(await metric(origin, 'live_torrent_tracker_peers'), 1)
  })

  it('a tracker process that stops answering (frozen with SIGSTOP) is killed and replaced', async () => {
    const pid = origin.trackerPid
    assert.ok(pid)
    process.kill(pid, 'SIGSTOP')
    await eventually(async () => (origin.trackerPid ?? pid) !== pid, 20_000, 'a new tracker process')
    const client = await TrackerClient.connect(announceUrl(origin))
    clients.push(client)
    assert.equal((await client.announce(MESH_INFOHASH))['failure reason'], undefined)
    assert.equal(await metric(origin, 'live_torrent_tracker_restarts_total'), 2)
  })
})
