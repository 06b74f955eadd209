import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { WebSocket } from 'ws'
import type { Origin } from '../src/origin/origin.js'
import { makeTsVod } from './support/media.js'
import { eventually, getBytes, getText, mediaSequence, playlistEntries, startOrigin } from './support/origin.js'

type TrackerAnswer = Record<string, unknown>

/** A WebTorrent tracker client that speaks the wire protocol by hand: JSON messages over one WebSocket. */
class TrackerClient {
  readonly peerId = `-LT0001-${randomBytes(6).toString('hex')}`
  private readonly answers: TrackerAnswer[] = []
  private waiters: Array<() => void> = []

  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (data: Buffer) => {
      this.answers.push(JSON.parse(data.toString('utf8')) as TrackerAnswer)
      for (const wake of this.waiters.splice(0)) wake()
    })
  }

  static async connect(url: string): Promise<TrackerClient> {
    const ws = new WebSocket(url)
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve())
      ws.once('error', reject)
    })
    return new TrackerClient(ws)
  }

  /** Announces one infohash (hex) and returns the tracker's answer to it. */
  async announce(infoHashHex: string, left = 0): Promise<TrackerAnswer> {
    const infoHash = Buffer.from(infoHashHex, 'hex').toString('latin1')
    assert.equal(this.peerId.length, 20)
    this.ws.send(
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
    const deadline = Date.now() + 5000
    for (;;) {
      const index = this.answers.findIndex(
        (answer) => answer.info_hash === infoHash || (answer['failure reason'] !== undefined && answer.info_hash === undefined),
      )
      if (index >= 0) return this.answers.splice(index, 1)[0]!
      const wait = deadline - Date.now()
      if (wait <= 0) throw new Error(`no tracker answer for ${infoHashHex}`)
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, wait)
        this.waiters.push(() => {
          clearTimeout(timer)
          resolve()
        })
      })
    }
  }

  close(): void {
    this.ws.terminate()
  }
}

function announceUrl(origin: Origin): string {
  return new URL('announce', origin.url).href.replace(/^http/, 'ws')
}

async function metric(origin: Origin, name: string): Promise<number> {
  const { text } = await getText(new URL('metrics', origin.url).href)
  const match = new RegExp(`^${name} (\\d+(?:\\.\\d+)?)`, 'm').exec(text)
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
