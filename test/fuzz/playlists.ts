import fc from 'fast-check'
import { Catalog } from '../../src/origin/catalog.js'
import { LowLatencyEdge } from '../../src/origin/low-latency/edge.js'
import { rewriteMaster } from '../../src/origin/playlist/master.js'
import { MediaWindow } from '../../src/origin/playlist/media-window.js'
import {
  PlaylistError,
  assertHls,
  isMasterPlaylist,
  parseMasterPlaylist,
  parseMediaPlaylist,
  type MediaPlaylist,
} from '../../src/origin/playlist/parse.js'
import { InputBounds } from './bounds.js'
import { playlistInputs } from './playlist-inputs.js'
import type { SurfaceReport } from './report.js'

const UPSTREAM = 'https://upstream.test/live/stream.m3u8'

/**
 * What the origin does with an upstream playlist's text (feed.ts at start, playlist-ingest.ts on every reload):
 * the HLS check, then the master rewrite or the media parse and its LL-HLS parts, hints and reports. An input may be refused, but only with a
 * PlaylistError, the error the origin turns into its clear message and a retry with the last good playlist kept.
 */
function ingest(text: string): void {
  assertHls(text, UPSTREAM)
  if (isMasterPlaylist(text)) rewriteMaster(parseMasterPlaylist(text, UPSTREAM), () => 'asset0.bin')
  else followLowLatency(parseMediaPlaylist(text, UPSTREAM))
}

/** What a live rendition does with a parsed playlist's LL-HLS tags (rendition.ts, low-latency/edge.ts). */
function followLowLatency(doc: MediaPlaylist): void {
  const catalog = new Catalog({ onInfoHashGone: () => {}, onSegmentDropped: () => {} })
  const window = new MediaWindow({ maxSegments: 6, onRetire: () => {} })
  const edge = new LowLatencyEdge({ mode: 'on', dir: '', catalog, window })
  window.setHeader(edge.header(doc, true))
  edge.observe(doc)
  for (const segment of doc.segments) edge.partLines(segment.sequence)
  edge.trailerLines()
  edge.end()
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
