import fc from 'fast-check'
import { rewriteMaster } from '../../src/origin/playlist/master.js'
import { PlaylistError, assertHls, isMasterPlaylist, parseMasterPlaylist, parseMediaPlaylist } from '../../src/origin/playlist/parse.js'
import { InputBounds } from './bounds.js'
import { playlistInputs } from './playlist-inputs.js'
import type { SurfaceReport } from './report.js'

const UPSTREAM = 'https://upstream.test/live/stream.m3u8'

/**
 * What the origin does with an upstream playlist's text (feed.ts at start, playlist-ingest.ts on every reload):
 * the HLS check, then the master rewrite or the media parse. An input may be refused, but only with a
 * PlaylistError, the error the origin turns into its clear message and a retry with the last good playlist kept.
 */
function ingest(text: string): void {
  assertHls(text, UPSTREAM)
  if (isMasterPlaylist(text)) rewriteMaster(parseMasterPlaylist(text, UPSTREAM), () => 'asset0.bin')
  else parseMediaPlaylist(text, UPSTREAM)
}

/** `count` generated playlists (seeded) through the origin's playlist path, each bounded in time and memory. */
export async function fuzzPlaylists(count: number, seed: number): Promise<SurfaceReport> {
  const inputs = fc.sample(playlistInputs(), { seed, numRuns: count })
  const bounds = new InputBounds((index) => `#${index} (seed ${seed}): ${JSON.stringify(inputs[index]!.slice(0, 160))}`)
  let refused = 0
  for (let index = 0; index < inputs.length; index++) {
    await bounds.run(index, async () => {
      try {
        ingest(inputs[index]!)
      } catch (err) {
        if (!(err instanceof PlaylistError))
          throw new Error(
            `playlist input #${index} (seed ${seed}) threw ${err instanceof Error ? err.stack?.split('\n').slice(0, 4).join(' < ') : String(err)}, not a PlaylistError: ${JSON.stringify(inputs[index]!.slice(0, 300))}`,
          )
        refused++
      }
    })
    if ((index + 1) % 1000 === 0) bounds.rebase()
  }
  return {
    surface: `playlists (${refused} refused with a clear error)`,
    inputs: count,
    seed,
    worstMs: bounds.worstMs,
    worstBytes: bounds.worstBytes,
  }
}
