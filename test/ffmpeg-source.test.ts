import assert from 'node:assert/strict'
import { mkdtemp, readFile, rm, stat, writeFile, open } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'

import { FfmpegMissingError, findFfmpeg, probeInput, startFileToHls } from '../src/origin/sources/ffmpeg.js'
import { eventually } from './support/origin.js'

const SAMPLE = new URL('../sample/seg000.ts', import.meta.url).pathname

function listedSegments(playlist: string): string[] {
  return playlist
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
}

async function readIfExists(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8')
  } catch {
    return ''
  }
}

async function waitForSegments(playlistPath: string, count: number, timeoutMs: number): Promise<string[]> {
  return eventually(
    async () => {
      const segments = listedSegments(await readIfExists(playlistPath))
      return segments.length >= count && segments
    },
    timeoutMs,
    `${count} listed segments`,
  )
}

async function assertCompleteTs(path: string): Promise<void> {
  const { size } = await stat(path)
  assert.ok(size > 0, `${path} is empty`)
  assert.equal(size % 188, 0, `${path} size ${size} is not a whole number of TS packets`)
  const fh = await open(path, 'r')
  try {
    const { buffer } = await fh.read(Buffer.alloc(1), 0, 1, 0)
    assert.equal(buffer[0], 0x47, `${path} does not start with a TS sync byte`)
  } finally {
    await fh.close()
  }
}

describe('ffmpeg file source', { concurrency: true }, () => {
  let dir: string
  let ffmpeg: string
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lt-ffmpeg-'))
    ffmpeg = await findFfmpeg()
  })
  after(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  test('transcodes a looping file into live HLS with complete segments', async () => {
    const outDir = await mkdtemp(join(dir, 'live-'))
    const proc = startFileToHls({ input: SAMPLE, outDir, segmentSeconds: 2, ffmpegPath: ffmpeg })
    try {
      assert.equal(proc.playlistPath, join(outDir, 'index.m3u8'))
      const segments = await waitForSegments(proc.playlistPath, 2, 20_000)
      for (const name of segments) await assertCompleteTs(join(outDir, name))
      const playlist = await readFile(proc.playlistPath, 'utf8')
      assert.match(playlist, /#EXT-X-INDEPENDENT-SEGMENTS/)
      assert.doesNotMatch(playlist, /#EXT-X-ENDLIST/, 'a looping source is live')
    } finally {
      await proc.stop()
    }
    const exit = await proc.exited
    assert.ok(exit.code !== null || exit.signal !== null)
  })

  test('copies a file once without looping and exits cleanly', async () => {
    const outDir = await mkdtemp(join(dir, 'copy-'))
    const proc = startFileToHls({
      input: SAMPLE,
      outDir,
      segmentSeconds: 2,
      ffmpegPath: ffmpeg,
      loop: false,
      transcode: false,
    })
    const exit = await proc.exited
    assert.equal(exit.code, 0, exit.stderrTail)
    const segments = listedSegments(await readFile(proc.playlistPath, 'utf8'))
    assert.equal(segments.length, 2, 'the 4 s sample has a keyframe every 2 s')
    for (const name of segments) await assertCompleteTs(join(outDir, name))
    await proc.stop() // no-op once exited
  })

  test('a missing binary throws FfmpegMissingError with install hints', async () => {
    await assert.rejects(findFfmpeg('/nonexistent/ffmpeg'), (err: unknown) => {
      assert.ok(err instanceof FfmpegMissingError)
      assert.match(err.message, /apt-get install/)
      assert.match(err.message, /\/nonexistent\/ffmpeg/)
      return true
    })
  })

  test('startFileToHls with a missing binary rejects exited', async () => {
    const proc = startFileToHls({ input: SAMPLE, outDir: dir, ffmpegPath: '/nonexistent/ffmpeg' })
    await assert.rejects(proc.exited, FfmpegMissingError)
    await proc.stop()
  })

  test('probeInput accepts a video and rejects a text file', async () => {
    await probeInput(ffmpeg, SAMPLE)
    const text = join(dir, 'notes.txt')
    await writeFile(text, 'this is not a video\n')
    await assert.rejects(probeInput(ffmpeg, text), /is not a video file/)
    await assert.rejects(probeInput(ffmpeg, join(dir, 'missing.mp4')), /is not a video file.*No such file/)
  })
})
