import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { Origin } from '../src/origin/origin.js'
import { launchChromium, type Browser } from './support/browser.js'
import { eventually, startOrigin } from './support/origin.js'
import { startTurn, type TurnServer } from './support/turn.js'
import { openViewer, type Viewer } from './support/viewers.js'

// Records every RTCPeerConnection a page makes, so the test can ask which candidates its connections use.
const RECORD_CONNECTIONS = `(() => {
  const Native = RTCPeerConnection; const all = window.__connections = [];
  window.RTCPeerConnection = class extends Native { constructor(...args) { super(...args); all.push(this); } };
})()`

/** Candidate types (host, srflx, relay) of the pairs each of the page's connections is using. */
function candidateTypes(viewer: Viewer): Promise<string[]> {
  return viewer.page.evaluate(async () => {
    const types: string[] = []
    for (const connection of (window as unknown as { __connections: RTCPeerConnection[] }).__connections) {
      const stats = [...(await connection.getStats()).values()] as Record<string, unknown>[]
      const byId = new Map(stats.map((entry) => [entry.id, entry]))
      for (const pair of stats.filter((entry) => entry.type === 'candidate-pair' && entry.state === 'succeeded' && entry.nominated)) {
        types.push(
          `${(byId.get(pair.localCandidateId) as { candidateType: string }).candidateType}/${(byId.get(pair.remoteCandidateId) as { candidateType: string }).candidateType}`,
        )
      }
    }
    return types
  })
}

describe('relay-only mode (privacy): WebRTC through a real TURN server', () => {
  let browser: Browser
  let origin: Origin
  let turn: TurnServer
  const viewers: Viewer[] = []
  before(async () => {
    turn = await startTurn()
    browser = await launchChromium()
    origin = await startOrigin({ kind: 'sample' })
    await origin.whenReady()
  })
  after(async () => {
    await Promise.all(viewers.map((viewer) => viewer.close().catch(() => {})))
    await browser?.close()
    await origin?.stop()
    await turn?.stop()
  })

  it('viewers share with every connection relayed: neither side sees the other one address', async () => {
    const config = { iceServers: [turn.iceServer], iceTransportPolicy: 'relay' }
    for (const name of ['first', 'second']) {
      viewers.push(await openViewer(browser, origin.url, { name, config, initScript: RECORD_CONNECTIONS }))
      await new Promise((resolve) => setTimeout(resolve, 4000))
    }
    const second = viewers[1]!
    await eventually(async () => (await second.stats()).bytesFromPeers > 0, 40_000, 'the second viewer to get bytes from the first').catch(
      async (err: Error) => {
        throw new Error(
          `${err.message}: ${JSON.stringify(await second.stats())}\n${viewers.flatMap((v) => v.problems).join('\n')}\n${turn.log().slice(-1500)}`,
        )
      },
    )
    for (const viewer of viewers) {
      const types = await candidateTypes(viewer)
      assert.ok(types.length > 0, `${viewer.name} has a connection`)
      assert.deepEqual([...new Set(types)], ['relay/relay'], `${viewer.name}: ${types.join(', ')}`)
    }
    for (const viewer of viewers) {
      const sdp = await viewer.page.evaluate(() =>
        (window as unknown as { __connections: RTCPeerConnection[] }).__connections
          .flatMap((connection) => [connection.localDescription?.sdp ?? '', connection.remoteDescription?.sdp ?? ''])
          .join('\n'),
      )
      const kinds = [...sdp.matchAll(/^a=candidate:.* typ (\w+)/gm)].map((match) => match[1])
      assert.ok(kinds.length > 0 && kinds.every((kind) => kind === 'relay'), `${viewer.name}: SDP candidates ${kinds.join(', ')}`)
    }
    assert.match(turn.log(), /ALLOCATE processed, success/)
    assert.equal((await second.stats()).stalls, 0)
  })
})
