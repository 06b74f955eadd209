import assert from 'node:assert/strict'
import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, it } from 'node:test'
import { getText, playlistEntries } from './support/origin.js'

const ROOT = fileURLToPath(new URL('..', import.meta.url))

/** Starts `live-torrent serve` on a free port and resolves the playlist URL it prints. */
function startCli(args: string[]): Promise<{ child: ChildProcess; playlistUrl: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'serve', '--port', '0', ...args], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'warn' },
  })
  return new Promise((resolve, reject) => {
    let out = ''
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString()
      const match = /Playlist:\s+(\S+)/.exec(out)
      if (match) resolve({ child, playlistUrl: match[1]! })
    })
    child.once('exit', (code) => reject(new Error(`live-torrent exited with ${code} before printing its URLs: ${out}`)))
  })
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
