import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import type { Origin } from '../src/origin/origin.js'
import { launchChromium, type Browser } from './support/browser.js'
import { eventually, getBytes, startOrigin } from './support/origin.js'
import { openViewer, type ReceivedFragment, type Viewer } from './support/viewers.js'

/** The victim must play this much after its first frame (three 4 s segments). */
const PLAYED_SECONDS = 12
/** After the evil neighbour is dropped, it must stay away this long: several re-announces (every 2 s, below). */
const STAYS_DROPPED_MS = 8000

// Plain JS run in the evil viewer before its scripts. bittorrent-protocol sends a piece message as two writes
// (`_message`: the 13-byte header, then the block), and the channel stream sends each write as its own data
// channel message (split at 64 KiB), so on a segment wire (label 'lt1:<infohash>') every message above 1000
// bytes is a block of a piece: those go out with every bit flipped. Handshakes, bitfields, haves and requests
// stay honest, so the viewer connects and advertises its pieces like any other.
const CORRUPT_PIECES = `
(() => {
  const evil = window.__evil = { corruptedMessages: 0, corruptedBytes: 0, honestMessages: 0 };
  const send = RTCDataChannel.prototype.send;
  RTCDataChannel.prototype.send = function (data) {
    if (this.label.startsWith('lt1:') && typeof data !== 'string' && !(data instanceof Blob)) {
      const view = data instanceof ArrayBuffer ? new Uint8Array(data) : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
      if (view.byteLength > 1000) {
        const copy = new Uint8Array(view.byteLength);
        for (let i = 0; i < view.byteLength; i++) copy[i] = view[i] ^ 0xff;
        evil.corruptedMessages++;
        evil.corruptedBytes += copy.byteLength;
        return send.call(this, copy);
      }
      evil.honestMessages++;
    }
    return send.call(this, data);
  };
})();
`

// Plain JS run in the victim before its scripts: the SHA-1 of every binary response hls.js's XHR loader got
// (the service worker's answers), hashed from a copy taken before hls.js sees it (hls.js then transfers the
// buffer to its transmux worker). Taken at the XHR, below hls.js and the harness's hooks into it, so that what is
// checked is exactly what the player was handed.
const RECORD_RESPONSES = `
(() => {
  const received = window.__received = [];
  const hex = (buf) => Array.from(new Uint8Array(buf), (b) => b.toString(16).padStart(2, '0')).join('');
  const Base = window.XMLHttpRequest;
  window.XMLHttpRequest = class extends Base {
    constructor() {
      super();
      // Added before the loader sets onreadystatechange, so it runs first.
      this.addEventListener('readystatechange', () => {
        if (this.readyState !== 4 || this.status !== 200 || !(this.response instanceof ArrayBuffer)) return;
        const copy = this.response.slice(0);
        const url = this.__url;
        crypto.subtle.digest('SHA-1', copy).then((d) => received.push({ url, sha1: hex(d), bytes: copy.byteLength }));
      });
    }
    open(method, url, ...rest) {
      this.__url = new URL(url, location.href).href;
      return super.open(method, url, ...rest);
    }
  };
})();
`

// Plain JS run in the victim before its scripts: logs the page client's neighbour, rejection and segment events
// as they happen (window.liveTorrent is caught as the page script sets it), so that a dropped neighbour coming
// back even briefly is seen, not only if a poll of the stats happens to fall on it.
const LOG_EVENTS = `
(() => {
  const log = window.__events = [];
  let api;
  Object.defineProperty(window, 'liveTorrent', {
    configurable: true,
    get: () => api,
    set: (value) => {
      api = value;
      for (const name of ['peers', 'rejected', 'segment', 'fallback', 'stall']) {
        value.events.on(name, (detail) => log.push({ at: Date.now(), name, detail }));
      }
    },
  });
})();
`

interface LoggedEvent {
  at: number
  name: 'peers' | 'rejected' | 'segment' | 'fallback' | 'stall'
  detail: Record<string, unknown>
}

interface EvilCounters {
  corruptedMessages: number
  corruptedBytes: number
  honestMessages: number
}

// Two real viewers of the sample stream in separate Chromium contexts. The first one flips the bytes of every
// piece block it uploads; the second joins later, when the first one is its only possible neighbour. The
// second must reject those pieces, drop the first for good, and play on from HTTP as if nothing happened.
describe('a viewer that sends corrupted pieces', () => {
  let browser: Browser
  let origin: Origin
  const viewers: Viewer[] = []
  /** SHA-1 of every segment URL the victim's player loaded, fetched from the origin while it still serves them. */
  const originDigests = new Map<string, string>()

  before(async () => {
    browser = await launchChromium()
    // Tracker clients on WebSocket re-announce every 2 s (a fifth of this): a dropped peer gets many chances
    // to come back while the test watches.
    origin = await startOrigin({ kind: 'sample' }, { tracker: { announceIntervalMs: 10_000 } })
    await origin.whenReady()
  })
  after(async () => {
    await Promise.all(viewers.map((viewer) => viewer.close().catch(() => {})))
    await browser?.close()
    await origin?.stop()
  })

  function received(viewer: Viewer): Promise<ReceivedFragment[]> {
    return viewer.page.evaluate(() => (window as unknown as { __received: ReceivedFragment[] }).__received)
  }

  async function recordOriginDigests(viewer: Viewer): Promise<void> {
    for (const fragment of await received(viewer)) {
      if (originDigests.has(fragment.url)) continue
      const { status, bytes } = await getBytes(fragment.url)
      if (status === 200) originDigests.set(fragment.url, createHash('sha1').update(bytes).digest('hex'))
    }
  }

  it('rejects its pieces, drops it for good, and plays on without a stall and with the origin bytes', async (t) => {
    const evil = await openViewer(browser, origin.url, { name: 'evil', initScript: CORRUPT_PIECES })
    viewers.push(evil)
    const evilCounters = () => evil.page.evaluate(() => (window as unknown as { __evil: EvilCounters }).__evil)

    async function describeAll(): Promise<string> {
      const report = await Promise.all(
        viewers.map(async (viewer) => ({
          name: viewer.name,
          stats: await viewer.stats().catch((err: Error) => err.message),
          playback: await viewer.playback().catch((err: Error) => err.message),
          problems: viewer.problems.slice(0, 10),
        })),
      )
      const victim = viewers.find((viewer) => viewer.name === 'victim')
      const events = await victim?.page
        .evaluate(() => (window as unknown as { __events: LoggedEvent[] }).__events)
        .catch((err: Error) => err.message)
      return JSON.stringify(
        { viewers: report, evil: await evilCounters().catch((err: Error) => err.message), victimEvents: events },
        null,
        1,
      )
    }
    /** eventually(), with both viewers' stats, playback and problems in the failure message. */
    async function waitFor<T>(check: () => Promise<T | undefined | false>, timeoutMs: number, what: string): Promise<T> {
      try {
        return await eventually(check, timeoutMs, what)
      } catch (err) {
        throw new Error(`${(err as Error).message}\n${await describeAll()}`)
      }
    }

    // The evil viewer plays a few segments first (from HTTP: nobody else is there), so it has pieces to offer.
    await waitFor(async () => (await evil.stats()).segmentsFromHttp >= 2, 30_000, 'the evil viewer to play 2 segments')

    // The victim never fetches a new segment for the others: with two viewers, each is first for about half the
    // segments, and in a loaded full run the victim was first for all five of its 20 s (its HTTP copy complete
    // before the evil viewer had a piece), so it never met a corrupted block. The evil viewer fetches them all.
    const victim = await openViewer(browser, origin.url, {
      name: 'victim',
      initScript: RECORD_RESPONSES + LOG_EVENTS,
      config: { firstFetch: { policy: 'none' } },
    })
    viewers.push(victim)
    const victimEvents = () => victim.page.evaluate(() => (window as unknown as { __events: LoggedEvent[] }).__events)
    /** When the victim's neighbour count first fell to 0 after its first rejection, or null. */
    const droppedAt = async (): Promise<number | null> => {
      const events = await victimEvents()
      const firstRejection = events.findIndex((event) => event.name === 'rejected')
      if (firstRejection < 0) return null
      return events.slice(firstRejection).find((event) => event.name === 'peers' && event.detail.peers === 0)?.at ?? null
    }

    // The evil viewer is the victim's only neighbour: it connects, offers its pieces, and every block it
    // sends fails the hash check; the victim drops it.
    await waitFor(
      async () => {
        const stats = await victim.stats()
        return stats.piecesRejected > 0 && stats.segmentsRejected > 0 && stats.peersDropped >= 1 && (await droppedAt()) !== null
      },
      20_000,
      'the victim to reject pieces and drop the neighbour that sent them',
    )
    assert.ok((await evilCounters()).corruptedMessages > 0, `the evil viewer sent no corrupted block\n${await describeAll()}`)

    // From now on the victim must play on from HTTP, and the evil neighbour must not come back, however often
    // either side re-announces on the tracker.
    await waitFor(
      async () => {
        await recordOriginDigests(victim)
        const playback = await victim.playback()
        if (playback.firstFrameTime === null) return false
        return playback.currentTime - playback.firstFrameTime >= PLAYED_SECONDS && Date.now() - (await droppedAt())! >= STAYS_DROPPED_MS
      },
      40_000,
      `the victim to play ${PLAYED_SECONDS} s after its first frame`,
    )
    await recordOriginDigests(victim)

    const all = await describeAll()
    const stats = await victim.stats()
    const playback = await victim.playback()
    const events = await victimEvents()
    const dropped = (await droppedAt())!
    const peerCounts = events.filter((event) => event.name === 'peers').map((event) => event.detail.peers)
    assert.ok(
      peerCounts.some((peers) => (peers as number) > 0),
      `the victim never had the evil neighbour\n${all}`,
    )
    assert.deepEqual(
      events.filter((event) => event.name === 'peers' && event.at > dropped),
      [],
      `the dropped neighbour came back (neighbour counts ${peerCounts.join(' ')})\n${all}`,
    )
    assert.equal(stats.peers, 0, `the dropped neighbour came back\n${all}`)
    // One bad neighbour, dropped once, however many of its pieces (in several segments) failed.
    assert.equal(stats.peersDropped, 1, `one bad neighbour was counted as ${stats.peersDropped} dropped\n${all}`)
    assert.equal(playback.waitingAfterFirstFrame, 0, `the victim's player waited after its first frame\n${all}`)
    assert.equal(stats.stalls, 0, `the victim counted stalls\n${all}`)
    // Every piece the evil peer sent was garbage (each has a block above 1000 bytes: 16 KiB pieces, and every
    // sample segment's last piece is above 1 KiB): none of it may count as bytes from peers.
    assert.equal(stats.segmentsFromPeers, 0, `a segment came from the evil peer alone\n${all}`)
    assert.equal(stats.bytesFromPeers, 0, `rejected bytes were counted as bytes from peers\n${all}`)

    // No corrupt byte reached the player: every fragment hls.js got is the origin's.
    let checked = 0
    const path = await victim.page.evaluate(() => (window as unknown as { liveTorrent: { ready: Promise<string> } }).liveTorrent.ready)
    // Through the service worker, hls.js's own XHR loader receives the segment: what RECORD_RESPONSES hashes.
    assert.equal(path, 'service-worker', all)
    for (const fragment of await received(victim)) {
      const expected = originDigests.get(fragment.url)
      if (!expected) continue
      assert.equal(fragment.sha1, expected, `the victim's player received other bytes than the origin's for ${fragment.url}\n${all}`)
      checked++
    }
    assert.ok(checked >= 3, `only ${checked} fragments could be checked against the origin\n${all}`)
    const rejectedAt = events.find((event) => event.name === 'rejected')!.at
    const connectedAt = events.find((event) => event.name === 'peers')!.at
    t.diagnostic(
      `victim: connected ${connectedAt - victim.openedAt} ms after opening, first rejection ${rejectedAt - connectedAt} ms later, ` +
        `neighbour dropped ${dropped - rejectedAt} ms later, ` +
        `watched ${Date.now() - dropped} ms after; ${stats.piecesRejected} pieces / ${stats.segmentsRejected} segments rejected, ` +
        `${stats.peersDropped} dropped, ${checked} fragments checked, played ${(playback.currentTime - playback.firstFrameTime!).toFixed(1)} s`,
    )
  })
})
