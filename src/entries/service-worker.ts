/// <reference lib="webworker" />
import {
  isLiveTorrentMessage,
  type HttpFetchedMessage,
  type MasterMessage,
  type PageToSwMessage,
  type SegmentsMessage,
} from '../protocol/messages.js'
import { MAGNET_TAG } from '../protocol/magnet-line.js'
import { readMeshShards } from '../protocol/mesh-shards.js'
import { readPlaylistMagnets } from '../protocol/playlist-magnets.js'
import { askPage, markedResponse, requestKey, segmentResponse } from '../sw/segment-request.js'
import { Viewers } from '../sw/viewers.js'

/**
 * The live-torrent service worker. It proxies the playlist and segment requests of any player on a page that
 * runs the page script: playlists pass through while their magnets go to the tab's page client; a segment
 * the page client knows is answered with the bytes it delivers (peers first, HTTP by the deadline), and with a
 * plain fetch whenever the page cannot answer. Everything else is left alone (no respondWith at all).
 */
declare const self: ServiceWorkerGlobalScope
/** The package version, written in by the build: a new release is a byte-different worker, which browsers update. */
declare const LIVE_TORRENT_VERSION: string

const viewers = new Viewers()
console.debug(`live-torrent service worker ${LIVE_TORRENT_VERSION}`)

self.addEventListener('install', () => {
  // A new version takes over at once: the worker keeps no state a page depends on across versions.
  void self.skipWaiting()
})

self.addEventListener('activate', (event) => {
  event.waitUntil(self.clients.claim())
})

self.addEventListener('message', (event) => {
  const message = event.data as PageToSwMessage
  const source = event.source
  if (!isLiveTorrentMessage(message) || !(source instanceof Client)) return
  if (message.lt === 'hello') viewers.hello(source.id, message.p2p)
  else if (message.lt === 'bye') viewers.forget(source.id)
  event.waitUntil(pruneViewers())
})

self.addEventListener('fetch', (event) => {
  const { request } = event
  if (request.method !== 'GET' || request.mode === 'navigate' || !event.clientId) return
  const viewer = viewers.get(event.clientId)
  if (!viewer) return
  if (isPlaylistUrl(request.url)) {
    event.respondWith(tapPlaylist(event, request))
    return
  }
  const key = requestKey(request)
  if (!key || !viewer.segments.has(key)) return
  event.respondWith(
    self.clients
      .get(event.clientId)
      .then((client) => (viewer.p2p ? answerSegment(client, key, request) : fetchOverHttp(client, key, request))),
  )
})

function isPlaylistUrl(url: string): boolean {
  return /\.m3u8?$/i.test(new URL(url).pathname)
}

/** Fetches a playlist for the player, and hands its magnets to the tab's page client without delaying it. */
async function tapPlaylist(event: FetchEvent, request: Request): Promise<Response> {
  const response = await fetch(request)
  if (!response.ok) return response
  event.waitUntil(announce(event.clientId, response.clone(), response.url || request.url))
  // A rebuilt response carries the request's URL, and a redirected playlist's segments resolve against the final
  // one: that one passes unmarked (the hls.js loaders then also hand its magnets over, which does no harm).
  return response.redirected ? response : markedResponse(response, 'tapped')
}

/** A master playlist larger than this is not passed to the page (a ladder of hundreds of variants fits). */
const MAX_MASTER_CHARS = 256 * 1024

async function announce(clientId: string, response: Response, playlistUrl: string): Promise<void> {
  const text = await response.text()
  if (text.includes('#EXT-X-STREAM-INF') && text.length <= MAX_MASTER_CHARS) {
    const master: MasterMessage = { lt: 'master', playlistUrl, text }
    ;(await self.clients.get(clientId))?.postMessage(master)
  }
  if (!text.includes(MAGNET_TAG)) return
  const segments = readPlaylistMagnets(text, playlistUrl)
  viewers.remember(clientId, segments)
  const client = await self.clients.get(clientId)
  const message: SegmentsMessage = { lt: 'segments', playlistUrl, segments, mesh: readMeshShards(text) }
  client?.postMessage(message)
}

async function answerSegment(client: Client | undefined, key: string, request: Request): Promise<Response> {
  const requestedAt = performance.now()
  const answer = client ? await askPage(client, key) : ({ kind: 'none', reason: 'tab is gone' } as const)
  if (answer.kind === 'bytes') return segmentResponse(request, answer.bytes, answer.source)
  return fetchOverHttp(client, key, request, requestedAt)
}

/**
 * A plain fetch of a segment (P2P off, the page could not answer, or peers were too slow), done here rather than
 * in the page: it does not wait on the page's main thread. The page gets a copy of the bytes to count, check
 * and seed.
 */
async function fetchOverHttp(
  client: Client | undefined,
  key: string,
  request: Request,
  requestedAt = performance.now(),
): Promise<Response> {
  const response = await fetch(request)
  if (!client || !response.ok) return response
  void passBodyToPage(client, key, response.clone(), requestedAt)
  return markedResponse(response, 'http')
}

async function passBodyToPage(client: Client, key: string, response: Response, requestedAt: number): Promise<void> {
  const body = await response.arrayBuffer()
  const message: HttpFetchedMessage = { lt: 'http-fetched', key, body, waitedMs: performance.now() - requestedAt }
  client.postMessage(message, [body])
}

async function pruneViewers(): Promise<void> {
  const clients = await self.clients.matchAll({ type: 'window', includeUncontrolled: true })
  viewers.prune(new Set(clients.map((client) => client.id)))
}
