import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { test } from 'node:test'

/**
 * What the browser bundles (dist/browser, built by `npm run build:browser` before the unit tests) must not carry.
 * `global/window` is a CommonJS `module.exports = window`: bundled as such, esbuild copies every property of the
 * page's window (the worker's self) at load, which held the player's start back by 50-400 ms (scripts/shims).
 */
const BUNDLES = ['live-torrent.js', 'live-torrent-p2p.js', 'live-torrent-sw.js', 'live-torrent-hlsjs.mjs']

async function bundledSources(bundle: string): Promise<string[]> {
  const url = new URL(`../../dist/browser/${bundle}.map`, import.meta.url)
  const map = JSON.parse(await readFile(url, 'utf8')) as { sources: string[] }
  return map.sources
}

test('no browser bundle copies the global object at load: global/window is replaced by the ES module shim', async () => {
  for (const bundle of BUNDLES) {
    const sources = await bundledSources(bundle)
    assert.ok(sources.length > 1, `${bundle}: its source map lists its sources`)
    assert.deepEqual(
      sources.filter((source) => source.includes('node_modules/global/')),
      [],
      `${bundle} bundles the CommonJS global/window`,
    )
  }
  const pageScript = await bundledSources('live-torrent.js')
  assert.ok(
    pageScript.some((source) => source.endsWith('scripts/shims/global-window.ts')),
    'the page script uses the shim',
  )
})
