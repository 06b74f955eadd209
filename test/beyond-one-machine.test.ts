import assert from 'node:assert/strict'
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, readFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { pino } from 'pino'
import { readMeshShards } from '../src/protocol/mesh-shards.js'
import { startStandaloneTracker, type StandaloneTracker } from '../src/tracker/standalone.js'
import { startLivePackager } from './support/media.js'
import { startNginx, type Nginx } from './support/nginx.js'
import { eventually, freePort, getText, playlistEntries, startOrigin } from './support/origin.js'
import { browserSuite, OriginDigests, type Viewer } from './support/viewers.js'

const logger = pino({ level: process.env.LOG_LEVEL ?? 'silent' })

describe('beyond one machine: static packaging, segments on a CDN, sharded trackers', () => {
  const suite = browserSuite({ perTest: true })
  const open = (pageUrl: string, name: string): Promise<Viewer> => suite.open(pageUrl, name)
  const tracker = async (): Promise<StandaloneTracker> => {
    const started = await startStandaloneTracker({ port: 0, host: '127.0.0.1', logger })
    suite.defer(() => started.close())
    return started
  }
  const nginx = async (root: string, port?: number): Promise<Nginx> => {
    const started = await startNginx(root, port)
    suite.defer(() => started.stop())
    return started
  }
  const peerBytes = async (group: Viewer[]): Promise<number> => {
    let sum = 0
    for (const viewer of group) sum += (await viewer.stats()).bytesFromPeers
    return sum
  }
  const assertNoStalls = async (group: Viewer[]): Promise<void> => {
    for (const viewer of group) {
      const playback = await viewer.playback()
      assert.ok(playback.firstFrameAt !== null, `${viewer.name} plays`)
      assert.equal(playback.waitingAfterFirstFrame, 0, `${viewer.name}: no stall`)
    }
  }

  it('`live-torrent package` output on nginx, with a standalone tracker: viewers play and share as with the origin', async () => {
    const out = await mkdtemp(join(tmpdir(), 'lt-package-'))
    const own = await tracker()
    const port = await freePort()
    const site = `http://127.0.0.1:${port}/`
    const cli = startCli(['package', 'sample', out, '--public-url', site, '--tracker', own.announceUrl])
    suite.defer(() => stopCli(cli))
    await eventually(() => existsSync(join(out, 'stream.m3u8')), 30_000, 'the packaged playlist')
    const server = await nginx(out, port)
    const text = await readFile(join(out, 'stream.m3u8'), 'utf8')
    assert.equal(readMeshShards(text)[0]?.trackers[0], own.announceUrl, 'the mesh meets on the standalone tracker')
    assert.ok(
      playlistEntries(text).every((entry) => entry.magnet?.webSeed.startsWith(site)),
      'web seeds on the static host',
    )

    // Readers of the static output never see a half-written playlist, or one that names a file not yet there.
    const reads = watchPlaylist(`${site}stream.m3u8`)
    const first = await open(site, 'first')
    const second = await open(site, 'second')
    const digests = new OriginDigests([first, second])
    await eventually(async () => (await peerBytes([first, second])) > 0, 40_000, 'bytes from a peer')
    await digests.sleepRecording(4000)
    const checked = reads.stop()
    assert.ok((await checked).reads >= 20, 'the playlist was read many times while it changed')
    await assertNoStalls([first, second])
    for (const viewer of [first, second]) assert.ok((await digests.check(viewer)) > 0, `${viewer.name}: fragments match the static files`)
    // What left the window goes after the RFC 8216 grace (segment + longest playlist: 4 + 24 s for the sample).
    await eventually(async () => (await fetch(`${site}seg0.ts`)).status === 404, 40_000, 'seg0.ts removed after its grace')
    const log = await server.requests()
    assert.ok(
      log.some((line) => /^200 \d+ \/seg\d+\.ts\.torrent$/.test(line)),
      'torrents came from nginx',
    )
  })

  it('--segments upstream: the playlist and web seeds name the CDN, the origin serves no segment byte, viewers share', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'lt-cdn-'))
    const packager = await startLivePackager(folder, { segmentSeconds: 2, listSize: 8 })
    suite.defer(() => packager.stop())
    const cdn = await nginx(folder)
    await eventually(async () => (await getText(`${cdn.url}index.m3u8`)).text.includes('seg2.ts'), 30_000, 'the CDN playlist')
    const origin = await startOrigin({ kind: 'remote', url: `${cdn.url}index.m3u8` }, { segmentsAt: 'upstream' }, { logger })
    suite.defer(() => origin.stop())
    await origin.whenReady()
    const entries = playlistEntries((await getText(origin.playlistUrl)).text)
    assert.ok(entries.length > 0)
    for (const entry of entries) {
      assert.ok(entry.uri.startsWith(cdn.url), `segment URI on the CDN: ${entry.uri}`)
      assert.equal(entry.magnet?.webSeed, entry.uri, 'the web seed is the CDN URL')
      assert.ok(entry.magnet?.torrentUrl.startsWith(origin.url), 'the .torrent comes from the origin')
    }
    const viewersHere = [await open(origin.url, 'cdn-first'), await open(origin.url, 'cdn-second')]
    const digests = new OriginDigests(viewersHere)
    await eventually(async () => (await peerBytes(viewersHere)) > 0, 40_000, 'bytes from a peer')
    await digests.sleepRecording(4000)
    await assertNoStalls(viewersHere)
    for (const viewer of viewersHere) assert.ok((await digests.check(viewer)) > 0, `${viewer.name}: fragments match the CDN's bytes`)
    const metrics = (await getText(new URL('metrics', origin.url).href)).text
    assert.ok(!/live_torrent_bytes_served_total\{kind="segment"\} [1-9]/.test(metrics), 'the origin served no segment bytes')
    const cdnSegments = (await cdn.requests()).filter((line) => /^20[06] \d+ \/seg\d+\.ts$/.test(line))
    assert.ok(cdnSegments.length > 0, 'segments came from the CDN (the origin hashing them, viewers falling back)')
  })

  it('an audience sharded over 2 tracker processes: each viewer meets only its shard, and both shards share', async () => {
    const trackers = [await tracker(), await tracker()]
    const origin = await startOrigin(
      { kind: 'sample' },
      { builtinTracker: false, shards: trackers.map((t) => [t.announceUrl]) },
      { logger },
    )
    suite.defer(() => origin.stop())
    await origin.whenReady()
    const shards = readMeshShards((await getText(origin.playlistUrl)).text)
    assert.equal(shards.length, 2)
    assert.notEqual(shards[0]!.swarm, shards[1]!.swarm)
    // Viewers pick their shard from their random id: open until each shard holds two.
    const byShard: Viewer[][] = [[], []]
    for (let opened = 0; byShard.some((group) => group.length < 2); opened++) {
      assert.ok(opened < 16, `16 viewers should give 2 per shard, got ${byShard.map((g) => g.length).join('/')}`)
      const viewer = await open(origin.url, `viewer-${opened}`)
      const shard = await eventually(async () => (await viewer.stats()).meshShard ?? undefined, 20_000, 'the viewer to pick a shard')
      if (byShard[shard]!.length < 2) byShard[shard]!.push(viewer)
      else await viewer.close()
    }
    const all = byShard.flat()
    const servedBefore = servedSegmentBytes((await getText(new URL('metrics', origin.url).href)).text)
    const startedAt = Date.now()
    for (const [index, group] of byShard.entries()) {
      await eventually(async () => (await peerBytes(group)) > 0, 40_000, `bytes from a peer in shard ${index}`).catch(
        async (err: Error) => {
          const stats = await Promise.all(group.map(async (v) => ({ name: v.name, ...(await v.stats()), problems: v.problems })))
          throw new Error(`${err.message}; the shard's viewers: ${JSON.stringify(stats)}`)
        },
      )
    }
    for (const [index, t] of trackers.entries()) {
      t.tracker.updateGauges()
      const sockets = Number(/live_torrent_tracker_sockets (\d+)/.exec(await (await fetch(t.metricsUrl)).text())?.[1])
      assert.equal(sockets, 2, `tracker ${index} holds only its shard's two viewers`)
    }
    // Under load (one core busy) a viewer once did not show exactly one neighbour within 20 s: a neighbour that went
    // away (an extra viewer closed above) can count until Chromium's ~30 s consent checks give up its connection, and
    // one still connecting counts only once it is up. Not verified which; the stats now go into the failure.
    for (const viewer of all)
      await eventually(async () => (await viewer.stats()).peers === 1, 40_000, `${viewer.name} to meet only its shard`).catch(
        async (err: Error) => {
          throw new Error(`${err.message}; its stats: ${JSON.stringify(await viewer.stats())}`)
        },
      )
    for (const viewer of all) {
      const playsOn = async () => {
        const playback = await viewer.playback()
        return playback.firstFrameTime !== null && playback.currentTime > playback.firstFrameTime + 5
      }
      await eventually(playsOn, 30_000, `${viewer.name} to play on for 5 s`)
    }
    const served = servedSegmentBytes((await getText(new URL('metrics', origin.url).href)).text) - servedBefore
    const segmentBytes = (await readFile(join(process.cwd(), 'sample', 'seg000.ts'))).length
    const seconds = (Date.now() - startedAt) / 1000
    process.stdout.write(
      `# shards: ${byShard.length}, ${all.length} viewers, origin served ${(served / segmentBytes).toFixed(1)} segments' worth in ${seconds.toFixed(0)} s ` +
        `(${(served / segmentBytes / (seconds / 4)).toFixed(2)} per 4 s segment)\n`,
    )
  })
})

function startCli(args: string[]): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn' },
  })
}

function stopCli(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve()
    child.once('exit', () => resolve())
    child.kill('SIGTERM')
  })
}

function servedSegmentBytes(metrics: string): number {
  return Number(/live_torrent_bytes_served_total\{kind="segment"\} (\d+)/.exec(metrics)?.[1] ?? 0)
}

/**
 * Reads a playlist every 200 ms until stopped, and fails on any read that is not a whole playlist (it must end
 * with its last URI line and a newline) or that names a segment or torrent the server does not have.
 */
function watchPlaylist(url: string): { stop(): Promise<{ reads: number }> } {
  let running = true
  let reads = 0
  let failure: unknown = null
  const loop = (async () => {
    while (running) {
      const text = await (await fetch(url)).text()
      reads++
      assert.ok(text.startsWith('#EXTM3U\n') && text.endsWith('.ts\n'), `a whole playlist, got: ${text.slice(-80)}`)
      const entries = playlistEntries(text)
      const last = entries.at(-1)!
      for (const path of [new URL(last.uri, url).href, last.magnet!.torrentUrl]) {
        const status = (await fetch(path, { method: 'HEAD' })).status
        assert.equal(status, 200, `${path} exists when the playlist names it`)
      }
      await new Promise((resolve) => setTimeout(resolve, 200))
    }
  })().catch((err: unknown) => void (failure = err))
  return {
    async stop() {
      running = false
      await loop
      if (failure) throw failure
      return { reads }
    },
  }
}
