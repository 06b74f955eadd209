import assert from 'node:assert/strict'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { it } from 'node:test'
import { makeFmp4Vod } from './support/media.js'
import { getBytes, getText, playlistEntries, startOrigin, verifySegmentMagnet } from './support/origin.js'

// CDNs often redirect a playlist URL; relative URIs then resolve against where the playlist really is, as in browsers.
it('follows a redirected playlist URL and resolves its relative URIs against the final location', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lt-redirect-'))
  await makeFmp4Vod(dir, { segments: 2, segmentSeconds: 1 })
  const server = createServer((req, res) => {
    if (req.url === '/entry.m3u8') return void res.writeHead(302, { location: '/edge/7/index.m3u8' }).end()
    const match = /^\/edge\/7\/([\w.]+)$/.exec(req.url ?? '')
    if (!match) return void res.writeHead(404).end()
    readFile(join(dir, match[1]!)).then(
      (body) => res.writeHead(200).end(body),
      () => res.writeHead(404).end(),
    )
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const upstream = `http://127.0.0.1:${(server.address() as AddressInfo).port}/entry.m3u8`
  const origin = await startOrigin({ kind: 'remote', url: upstream })
  try {
    await origin.whenReady()
    const { text } = await getText(origin.playlistUrl)
    const entries = playlistEntries(text)
    assert.equal(entries.length, 2)
    for (const entry of entries) await verifySegmentMagnet(entry.magnet!)
    const initUri = /#EXT-X-MAP:URI="([^"]+)"/.exec(text)![1]!
    const init = await getBytes(new URL(initUri, origin.playlistUrl).href)
    assert.equal(init.status, 200)
    assert.ok(init.bytes.equals(await readFile(join(dir, 'init.mp4'))), 'the init segment is the one next to the final playlist')
  } finally {
    await origin.stop()
    server.closeAllConnections()
    server.close()
    await rm(dir, { recursive: true, force: true })
  }
})
