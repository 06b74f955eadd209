import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { Origin } from '../src/origin/origin.js'
import { fuzzHttp } from './fuzz/http.js'
import { fuzzMagnetLines } from './fuzz/magnets.js'
import { fuzzPlaylists } from './fuzz/playlists.js'
import { TRACKER_FUZZ_CONFIG, fuzzTracker } from './fuzz/tracker.js'
import { startOrigin } from './support/origin.js'

/** The short seeded run of the fuzz suite; `npm run fuzz -- --count N` runs the long one. */
const SEED = 20261201

describe('fuzz (short seeded run)', () => {
  let origin: Origin
  before(async () => {
    origin = await startOrigin({ kind: 'sample' }, { windowSegments: 4, ...TRACKER_FUZZ_CONFIG })
    await origin.whenReady()
  })
  after(() => origin.stop())

  it('tracker messages: 2,000 generated inputs, and the origin serves after each batch', async () => {
    const report = await fuzzTracker(origin, 2000, SEED)
    assert.equal(report.inputs, 2000)
  })

  it('HTTP requests: 2,000 raw requests, no 5xx, and the origin serves after each batch', async () => {
    assert.equal((await fuzzHttp(origin, 2000, SEED)).inputs, 2000)
  })

  it('upstream playlists: 2,000 through the origin playlist path, refused only with a clear PlaylistError', async () => {
    assert.equal((await fuzzPlaylists(2000, SEED)).inputs, 2000)
  })

  it('magnet lines: 2,000 playlists through the reader of the worker and the page, only http(s) segments with sane ranges', async () => {
    assert.equal((await fuzzMagnetLines(2000, SEED)).inputs, 2000)
  })
})
