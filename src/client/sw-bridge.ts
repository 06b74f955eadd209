import { isLiveTorrentMessage, type ByeMessage, type HelloMessage, type PortMessage, type SwToPageMessage } from '../protocol/messages.js'
import type { PageClient } from './page-client.js'

/**
 * Registers the service worker and waits until it controls this page. False when no worker can run here
 * (insecure context, no support, registration refused) or it did not take control in time. `hello` goes to the
 * worker at once (to the one in control, else to the one installing): a worker that claims the page knows it is a
 * viewer from the player's first request on, which a hello sent only once it controls the page can arrive after.
 */
export async function startServiceWorker(scriptUrl: string, timeoutMs: number, hello: HelloMessage): Promise<boolean> {
  if (!('serviceWorker' in navigator) || !window.isSecureContext) return false
  navigator.serviceWorker.controller?.postMessage(hello)
  let registration: ServiceWorkerRegistration
  try {
    registration = await navigator.serviceWorker.register(scriptUrl)
  } catch (err) {
    console.warn('live-torrent: service worker registration failed; using the hls.js loader or plain HTTP', err)
    return false
  }
  if (navigator.serviceWorker.controller) return true
  const newest = () => registration.installing ?? registration.waiting ?? registration.active
  newest()?.postMessage(hello)
  const controlled = await new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs)
    navigator.serviceWorker.addEventListener(
      'controllerchange',
      () => {
        clearTimeout(timer)
        resolve(true)
      },
      { once: true },
    )
  })
  // The page goes on without the worker: it must not answer this tab's requests should it take control later.
  if (!controlled) newest()?.postMessage({ lt: 'bye' } satisfies ByeMessage)
  return controlled
}

/** How often a tab repeats its hello to the worker (ms): a restarted worker knows it again within this. */
const HELLO_INTERVAL_MS = 2000

/**
 * The page side of the worker protocol: says hello (this tab is a viewer), joins swarms of the segments the
 * worker saw in playlists, and answers its segment requests with the page client.
 */
export function bridgeServiceWorker(client: PageClient, bufferAheadMs: () => number | null): void {
  const hello = () => {
    const message: HelloMessage = { lt: 'hello', p2p: client.p2p }
    navigator.serviceWorker.controller?.postMessage(message)
  }
  hello()
  // Until P2P has started the hello says p2p: false, and the worker fetches the tab's segments itself.
  client.onP2PStarted(hello)
  // A new worker version takes over without a reload; it must learn that this tab is a viewer.
  navigator.serviceWorker.addEventListener('controllerchange', hello)
  // The browser may stop an idle worker at any time and start it afresh for the next fetch, with its list of
  // viewer tabs gone: until this tab says hello again, its player's requests pass the worker by (plain HTTP).
  setInterval(hello, HELLO_INTERVAL_MS)
  navigator.serviceWorker.addEventListener('message', (event: MessageEvent<SwToPageMessage>) => {
    const message = event.data
    if (!isLiveTorrentMessage(message)) return
    if (message.lt === 'segments') client.announce(message.playlistUrl, message.segments, Array.isArray(message.mesh) ? message.mesh : [])
    else if (message.lt === 'master' && typeof message.text === 'string') client.master(message.playlistUrl, message.text)
    else if (message.lt === 'http-fetched' && message.body instanceof ArrayBuffer) {
      client.log.debug(`the worker fetched ${message.key} over HTTP itself in ${Math.round(message.waitedMs)} ms`)
      client.fetchedElsewhere(message.key, new Uint8Array(message.body), message.waitedMs)
    } else if (message.lt === 'segment-request' && event.ports[0]) void answer(client, event.ports[0], message.key, bufferAheadMs())
  })
}

async function answer(client: PageClient, port: MessagePort, key: string, bufferAheadMs: number | null): Promise<void> {
  const send = (message: PortMessage, transfer: Transferable[] = []) => port.postMessage(message, transfer)
  if (!client.knows(key)) {
    client.log.debug(`segment not announced to the page client, the worker fetches it: ${key}`)
    return send({ lt: 'segment-decline', reason: 'segment not announced to the page client' })
  }
  const answerWithinMs = client.answerWithinMs(key, bufferAheadMs)
  client.log.debug(`the worker fetches ${key} itself unless answered within ${Math.round(answerWithinMs)} ms`)
  send({ lt: 'segment-ack', answerWithinMs })
  try {
    const delivered = await client.deliver(key, bufferAheadMs, true)
    if (!delivered) return send({ lt: 'segment-decline', reason: 'P2P is off' })
    const bytes = delivered.bytes.buffer.slice(delivered.bytes.byteOffset, delivered.bytes.byteOffset + delivered.bytes.byteLength)
    send({ lt: 'segment-answer', bytes, source: delivered.source }, [bytes])
  } catch (err) {
    send({ lt: 'segment-decline', reason: err instanceof Error ? err.message : String(err) })
  } finally {
    port.close()
  }
}
