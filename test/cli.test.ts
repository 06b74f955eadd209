import assert from 'node:assert/strict'
import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, it } from 'node:test'
import { getText, playlistEntries } from './support/origin.js'
import { TrackerSocket, binaryId } from './support/tracker-socket.js'

const ROOT = fileURLToPath(new URL('..', import.meta.url))

/** Runs `live-torrent <args>` and resolves once its output matches `ready` (the URLs it prints), with the match. */
function startLiveTorrent(args: string[], ready: RegExp): Promise<{ child: ChildProcess; match: RegExpExecArray }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'warn' },
  })
  return new Promise((resolve, reject) => {
    let out = ''
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString()
      const match = ready.exec(out)
      if (match) resolve({ child, match })
    })
    child.once('exit', (code) => reject(new Error(`live-torrent ${args[0]} exited with ${code} before printing its URLs: ${out}`)))
  })
}

/** Starts `live-torrent serve` on a free port and resolves the playlist URL it prints. */
async function startCli(args: string[]): Promise<{ child: ChildProcess; playlistUrl: string }> {
  const { child, match } = await startLiveTorrent(['serve', '--port', '0', ...args], /Playlist:\s+(\S+)/)
  return { child, playlistUrl: match[1]! }
}

async function stopCli(child: ChildProcess): Promise<number | null> {
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  child.kill('SIGTERM')
  return exited
}

async function magnetTrackers(playlistUrl: string): Promise<string[]> {
  const entries = playlistEntries((await getText(playlistUrl)).text)
  assert.ok(entries.length > 0)
  return entries[0]!.magnet!.trackers
}

describe('live-torrent serve (CLI)', () => {
  it('serves the sample by default, prints the page and playlist URLs, and stops cleanly on SIGTERM', async () => {
    const { child, playlistUrl } = await startCli([])
    try {
      const trackers = await magnetTrackers(playlistUrl)
      assert.deepEqual(trackers, [new URL('announce', playlistUrl).href.replace(/^http/, 'ws')])
    } finally {
      assert.equal(await stopCli(child), 0)
    }
  })

  it('--no-tracker with --tracker URL lists only the external tracker, in either order', async () => {
    for (const args of [
      ['--no-tracker', '--tracker', 'wss://t.example/announce'],
      ['--tracker', 'wss://t.example/announce', '--no-tracker'],
    ]) {
      const { child, playlistUrl } = await startCli(args)
      try {
        assert.deepEqual(await magnetTrackers(playlistUrl), ['wss://t.example/announce'], args.join(' '))
      } finally {
        await stopCli(child)
      }
    }
  })
})

/** Starts `live-torrent tracker` on a free port and resolves the announce and metrics URLs it prints. */
async function startTrackerCli(): Promise<{ child: ChildProcess; announceUrl: string; metricsUrl: string }> {
  const { child, match } = await startLiveTorrent(['tracker', '--port', '0'], /Tracker:\s+(\S+)\s+Metrics:\s+(\S+)/)
  return { child, announceUrl: match[1]!, metricsUrl: match[2]! }
}

describe('live-torrent tracker (CLI)', () => {
  it('runs the tracker alone: it answers announces for any infohash, refuses garbage, and shows its metrics', async () => {
    const { child, announceUrl, metricsUrl } = await startTrackerCli()
    try {
      const socket = await TrackerSocket.connect(announceUrl)
      const infoHash = binaryId('ab'.repeat(20))
      const announce = { action: 'announce', info_hash: infoHash, peer_id: '-LT0001-abcdefabcdef', numwant: 0, offers: [] }
      socket.send(JSON.stringify({ ...announce, event: 'started', uploaded: 0, downloaded: 0, left: 0 }))
      const answer = await socket.next((reply) => reply.info_hash === infoHash)
      assert.ok(answer && typeof answer.interval === 'number', `an answer with an interval: ${JSON.stringify(answer)}`)
      socket.send(JSON.stringify({ action: 'announce', info_hash: 7, offers: [null] }))
      const refusal = await socket.next((reply) => reply['failure reason'] !== undefined)
      assert.ok(refusal, 'a malformed announce gets a failure reason, and the tracker stays up')
      socket.close()
      const metrics = await getText(metricsUrl)
      assert.match(metrics.text, /^live_torrent_tracker_refused_messages_total\{reason="[a-z-]+"\} [1-9]/m)
    } finally {
      assert.equal(await stopCli(child), 0)
    }
  })
})
