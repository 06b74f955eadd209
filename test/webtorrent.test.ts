import assert from 'node:assert/strict'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import parseTorrent, { toTorrentFile } from 'parse-torrent'
import WebTorrent, { type Torrent } from 'webtorrent'
import type { Origin } from '../src/origin/origin.js'
import { parseMagnetLine } from '../src/protocol/magnet-line.js'
import { parseMagnetUri } from '../src/protocol/magnet.js'
import { getBytes, getText, startOrigin } from './support/origin.js'

// Node-side WebTorrent: no DHT, LSD or uTP, so trackers and web seeds are the only way to find data. No STUN
// servers: these machines cannot reach simple-peer's default (Google's), and loopback needs none.
const CLIENT_OPTIONS = {
  dht: false,
  lsd: false,
  utp: false,
  natUpnp: false,
  natPmp: false,
  tracker: { rtcConfig: { iceServers: [] } },
}

function addTorrent(client: WebTorrent, id: string | Buffer, opts: Record<string, unknown>): Promise<Torrent> {
  return new Promise((resolve) => client.add(id, opts, resolve))
}

function done(torrent: Torrent, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`torrent ${torrent.infoHash} not done after ${timeoutMs} ms`)), timeoutMs)
    torrent.once('done', () => {
      clearTimeout(timer)
      resolve()
    })
  })
}

function destroy(client: WebTorrent): Promise<void> {
  return new Promise((resolve) => client.destroy(() => resolve()))
}

// The magnets are standard: a stock BitTorrent/WebTorrent client uses them as they are.
describe('real WebTorrent clients with the origin magnets and tracker', () => {
  let origin: Origin
  let dir: string
  let magnetUri: string
  before(async () => {
    origin = await startOrigin({ kind: 'sample' })
    await origin.whenReady()
    dir = await mkdtemp(join(tmpdir(), 'lt-webtorrent-'))
    const lines = (await getText(origin.playlistUrl)).text.split('\n')
    magnetUri = lines.map(parseMagnetLine).find((uri): uri is string => uri !== null)!
  })
  after(async () => {
    await origin.stop()
    await rm(dir, { recursive: true, force: true })
  })

  it('downloads a segment from the magnet alone: .torrent from xs, bytes from the ws web seed', async () => {
    const client = new WebTorrent(CLIENT_OPTIONS)
    try {
      const torrent = await addTorrent(client, magnetUri, { path: join(dir, 'webseed') })
      await done(torrent, 20_000)
      const magnet = parseMagnetUri(magnetUri)
      const expected = (await getBytes(magnet.webSeed)).bytes
      assert.equal(torrent.infoHash, magnet.infoHash)
      assert.ok(Buffer.from(await torrent.files[0]!.arrayBuffer()).equals(expected))
    } finally {
      await destroy(client)
    }
  })

  it('two clients exchange a segment peer to peer over WebRTC, found through the origin tracker', async () => {
    const magnet = parseMagnetUri(magnetUri)
    const seedDir = join(dir, 'seed')
    const segment = (await getBytes(magnet.webSeed)).bytes
    await mkdir(seedDir, { recursive: true })
    await writeFile(join(seedDir, magnet.name), segment)
    // The origin's .torrent lists the segment URL as a web seed (url-list): without it, the bytes can only come
    // from the other peer, whom only the origin's tracker can name.
    const parsed = await parseTorrent((await getBytes(magnet.torrentUrl)).bytes)
    assert.deepEqual(parsed.urlList, [magnet.webSeed])
    // Each client gets its own tracker URL: bittorrent-tracker's client shares one WebSocket between the clients of
    // a process that announce to the same URL, and one socket stands for one peer at the tracker.
    const peerOnly = (client: string): Buffer =>
      Buffer.from(toTorrentFile({ info: parsed.info, announce: [`${magnet.trackers[0]}?client=${client}`] }))
    const seeder = new WebTorrent(CLIENT_OPTIONS)
    const leecher = new WebTorrent(CLIENT_OPTIONS)
    try {
      await addTorrent(seeder, peerOnly('seeder'), { path: seedDir })
      const torrent = await addTorrent(leecher, peerOnly('leecher'), { path: join(dir, 'leech') })
      await done(torrent, 45_000)
      assert.ok(Buffer.from(await torrent.files[0]!.arrayBuffer()).equals(segment), 'the peer delivered the exact segment')
      assert.deepEqual(
        torrent.wires.map((wire) => wire.type),
        ['webrtc'],
        'one WebRTC peer wire, no web seed',
      )
      const metrics = (await getText(new URL('metrics', origin.url).href)).text
      assert.match(metrics, /^live_torrent_tracker_peers [1-9]/m, 'the tracker counts the peers')
    } finally {
      await destroy(seeder)
      await destroy(leecher)
    }
  })
})
