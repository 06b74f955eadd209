import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { it } from 'node:test'
import { startLivePackager } from './support/media.js'
import { eventually, getText, mediaSequence, startOrigin } from './support/origin.js'

// A stream that runs for days must not grow: what leaves the window is dropped after the RFC 8216 grace time,
// even when the packager keeps every file on disk and lists them all.
it('keeps memory bounded on a long live stream: dropped segments free their bytes, torrents and swarms', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lt-memory-'))
  const packager = await startLivePackager(dir, { segmentSeconds: 1, listSize: 0 })
  const origin = await startOrigin({ kind: 'folder', dir }, { windowSegments: 2 })
  try {
    await origin.whenReady(20_000)
    const first = mediaSequence((await getText(origin.playlistUrl)).text)
    // Window 2 s + grace (1 s segment + 2 s playlist): about 5 segments alive at any time, whatever the run time.
    const samples: Array<{ infoHashes: number; heldBytes: number; resources: number }> = []
    await eventually(
      async () => {
        samples.push({
          infoHashes: origin.ctx.catalog.publishedInfoHashes,
          heldBytes: origin.ctx.bodies.heldBytes,
          resources: origin.ctx.catalog.size,
        })
        return mediaSequence((await getText(origin.playlistUrl)).text) >= first + 12
      },
      40_000,
      'twelve segments to pass through the window',
    )
    const last = samples.at(-1)!
    assert.ok(last.infoHashes <= 7, `published infohashes stay bounded: ${last.infoHashes}`)
    assert.ok(last.resources <= 2 * 7 + 2, `catalog entries stay bounded: ${last.resources}`)
    const maxHeld = Math.max(...samples.map((s) => s.heldBytes))
    const segmentBytes = last.heldBytes / Math.max(1, last.infoHashes)
    assert.ok(maxHeld <= segmentBytes * 10, `segment bytes in memory stay bounded: ${maxHeld}`)
    const metrics = await getText(new URL('metrics', origin.url).href)
    const swarms = Number(/^live_torrent_tracker_swarms (\d+)/m.exec(metrics.text)?.[1])
    assert.ok(swarms <= last.infoHashes, `tracker swarms ${swarms} <= published ${last.infoHashes}`)
  } finally {
    await origin.stop()
    await packager.stop()
    await rm(dir, { recursive: true, force: true })
  }
})
