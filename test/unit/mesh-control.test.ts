import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { MAX_CONTROL_MESSAGE_CHARS, encodeControlMessage, parseControlMessage } from '../../src/protocol/mesh-control.js'
import { segment } from './core-fakes.js'

describe('neighbour control messages', () => {
  it('round-trips hello, segment notices (with byte ranges) and fetch notices', () => {
    const ranged = { ...segment(7), byteRange: { offset: 100, length: 2000 } }
    for (const message of [
      { t: 'hello', v: 1, uploads: false, rate: 0 } as const,
      { t: 'fetching', infoHash: 'a'.repeat(40) } as const,
      { t: 'segment', playlistUrl: 'https://origin.test/v0/index.m3u8', segment: ranged } as const,
    ]) {
      assert.deepEqual(parseControlMessage(encodeControlMessage(message)), message)
    }
  })

  it('drops anything malformed, oversized or pointing outside http(s), without throwing', () => {
    const good = JSON.parse(
      encodeControlMessage({ t: 'segment', playlistUrl: 'https://origin.test/p.m3u8', segment: segment(1) }),
    ) as Record<string, unknown>
    const bad: unknown[] = [
      'not json',
      'null',
      '[]',
      JSON.stringify({ t: 'hello', v: 2, uploads: true, rate: 0 }),
      JSON.stringify({ t: 'hello', v: 1, uploads: true, rate: -1 }),
      JSON.stringify({ t: 'rate', rate: 'fast' }),
      JSON.stringify({ t: 'hello', v: 1, uploads: 'yes' }),
      JSON.stringify({ t: 'fetching', infoHash: 'XYZ' }),
      JSON.stringify({ t: 'nope' }),
      JSON.stringify({ ...good, url: 'javascript:alert(1)' }),
      JSON.stringify({ ...good, playlistUrl: 42 }),
      JSON.stringify({ ...good, magnet: 'magnet:?xt=urn:btih:zz' }),
      JSON.stringify({ ...good, range: [1] }),
      JSON.stringify({ ...good, range: [-1, 5] }),
      JSON.stringify({ ...good, url: `https://origin.test/${'x'.repeat(MAX_CONTROL_MESSAGE_CHARS)}` }),
      { t: 'hello' },
    ]
    for (const data of bad) assert.equal(parseControlMessage(data as string), null, String(data).slice(0, 80))
  })
})
