import assert from 'node:assert/strict'
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, it } from 'node:test'
import { serveStaticDir } from './support/browser.js'
import { eventually, startOrigin } from './support/origin.js'
import { browserSuite, hasPlayedFor } from './support/viewers.js'

const ROOT = fileURLToPath(new URL('../', import.meta.url))
const PLAYERS = ['hls.js', 'video.js', 'shaka'] as const
/** What a site owner copies next to their page: the three live-torrent files and each player's own build. */
const SITE_FILES: Record<string, string> = {
  'live-torrent.js': join(ROOT, 'dist/browser/live-torrent.js'),
  'live-torrent-p2p.js': join(ROOT, 'dist/browser/live-torrent-p2p.js'),
  'live-torrent-sw.js': join(ROOT, 'dist/browser/live-torrent-sw.js'),
  'hls.min.js': 'hls.js/dist/hls.min.js',
  'video.min.js': 'video.js/dist/video.min.js',
  'video-js.css': 'video.js/dist/video-js.css',
  'shaka-player.compiled.js': 'shaka-player/dist/shaka-player.compiled.js',
}
const PLAYED_SECONDS = 8
const SECOND_VIEWERS_AFTER_MS = 5000

/** The README's player snippets, each marked `<!-- player: name -->` above its html block. */
async function readmeSnippets(): Promise<Map<string, string>> {
  const readme = await readFile(join(ROOT, 'README.md'), 'utf8')
  const snippets = new Map<string, string>()
  for (const match of readme.matchAll(/<!-- player: (\S+) -->\n```html\n([\s\S]*?)```/g)) snippets.set(match[1]!, match[2]!)
  return snippets
}

// "Keep your page and your player": each of the README's snippets, as written but for the stream's URL, on a
// page of another site than the origin. Two viewers per player; the second ones join once the first ones play.
describe("the README's players", () => {
  const suite = browserSuite()

  it('hls.js, video.js and Shaka each play the stream through live-torrent as the README writes them, and share', async () => {
    const origin = await startOrigin({ kind: 'sample' })
    suite.defer(() => origin.stop())
    const siteDir = await mkdtemp(join(tmpdir(), 'lt-players-'))
    suite.defer(() => rm(siteDir, { recursive: true, force: true }))
    const resolvePackage = createRequire(import.meta.url).resolve
    for (const [name, from] of Object.entries(SITE_FILES))
      await copyFile(from.startsWith('/') ? from : resolvePackage(from), join(siteDir, name))
    const snippets = await readmeSnippets()
    for (const player of PLAYERS) {
      const snippet = snippets.get(player)
      assert.ok(snippet, `the README has a snippet for ${player}`)
      const body = snippet.replaceAll('https://origin.example/stream.m3u8', origin.playlistUrl)
      await writeFile(
        join(siteDir, `${player}.html`),
        `<!doctype html>\n<html><head><meta charset="utf-8"><title>${player}</title><link rel="icon" href="data:,"></head>\n<body>\n${body}</body></html>\n`,
      )
    }
    const site = await serveStaticDir(siteDir)
    suite.defer(() => site.close())
    await origin.whenReady()
    // localhost vs 127.0.0.1: another origin than the stream's, and a secure context (service workers run).
    const pageUrl = (player: string) => `${site.url.replace('127.0.0.1', 'localhost')}/${player}.html`

    const first = await Promise.all(PLAYERS.map((player) => suite.open(pageUrl(player), `${player} first`)))
    await new Promise((resolve) => setTimeout(resolve, SECOND_VIEWERS_AFTER_MS))
    const second = await Promise.all(PLAYERS.map((player) => suite.open(pageUrl(player), `${player} second`)))
    const all = [...first, ...second]
    const describeAll = async () =>
      JSON.stringify(
        await Promise.all(
          all.map(async (viewer) => ({
            name: viewer.name,
            stats: await viewer.stats(),
            playback: await viewer.playback(),
            problems: viewer.problems.slice(0, 6),
          })),
        ),
        null,
        1,
      )
    for (const viewer of all)
      await eventually(() => hasPlayedFor(viewer, PLAYED_SECONDS), 60_000, `${viewer.name} to play ${PLAYED_SECONDS} s`).catch(
        async (err: Error) => {
          throw new Error(`${err.message}\n${await describeAll()}`)
        },
      )
    for (const viewer of second)
      await eventually(async () => (await viewer.stats()).bytesFromPeers > 0, 30_000, `${viewer.name} to get bytes from peers`).catch(
        async (err: Error) => {
          throw new Error(`${err.message}\n${await describeAll()}`)
        },
      )
    const details = await describeAll()
    for (const viewer of all) {
      assert.equal((await viewer.playback()).waitingAfterFirstFrame, 0, `${viewer.name} stalled\n${details}`)
      const stats = await viewer.stats()
      assert.ok(stats.segmentsFromPeers + stats.segmentsFromHttp >= 2, `${viewer.name}: segments went through live-torrent\n${details}`)
    }
  })
})
