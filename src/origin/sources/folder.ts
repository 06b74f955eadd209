import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Logger } from 'pino'
import { isMasterPlaylist } from '../playlist/parse.js'

const PREFERRED_NAMES = ['master.m3u8', 'index.m3u8', 'stream.m3u8', 'playlist.m3u8']

/**
 * Picks the entry playlist of a folder: the master playlist if there is one, else its only media playlist
 * (or the conventional name among several). Throws when the choice is ambiguous; returns null when there is none.
 */
export async function findEntryPlaylist(dir: string): Promise<string | null> {
  const names = (await readdir(dir)).filter((name) => name.endsWith('.m3u8') && !name.startsWith('.')).sort()
  if (names.length === 0) return null
  const masters: string[] = []
  for (const name of names) {
    const text = await readFile(join(dir, name), 'utf8').catch(() => '')
    if (isMasterPlaylist(text)) masters.push(name)
  }
  const pool = masters.length > 0 ? masters : names
  if (pool.length === 1) return join(dir, pool[0]!)
  const preferred = PREFERRED_NAMES.find((name) => pool.includes(name))
  if (preferred) return join(dir, preferred)
  throw new Error(`${dir} holds several playlists (${pool.join(', ')}): pass the path of the one to serve`)
}

/** Waits for a packager that has not written its first playlist yet. */
export async function waitForEntryPlaylist(dir: string, logger: Logger, signal?: AbortSignal): Promise<string> {
  let waitedMs = 0
  for (;;) {
    const found = await findEntryPlaylist(dir)
    if (found) return found
    if (signal?.aborted) throw new Error(`stopped while waiting for a playlist in ${dir}`)
    if (waitedMs % 10_000 === 0) logger.info({ dir }, 'waiting for a playlist (.m3u8) to appear in the folder')
    await new Promise((resolve) => setTimeout(resolve, 250))
    waitedMs += 250
  }
}
