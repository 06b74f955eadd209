import { randomBytes } from 'node:crypto'
import fc from 'fast-check'
import { MESH_INFOHASH } from '../../src/protocol/mesh.js'
import type { Origin } from '../../src/origin/origin.js'
import { getText } from '../support/origin.js'
import { TrackerSocket, binaryId, type TrackerReply } from '../support/tracker-socket.js'
import { InputBounds, MAX_INPUT_BYTES } from './bounds.js'
import { FUZZ_PEER_IDS, FUZZ_SOCKETS, trackerInputs, type TrackerInput } from './tracker-inputs.js'
import type { SurfaceReport } from './report.js'

/**
 * The origin config a tracker fuzz run needs: the rate limits and the violation count lifted, so that inputs reach
 * the message checks (and the library behind them) instead of stopping at the rate limiter.
 */
export const TRACKER_FUZZ_CONFIG = { tracker: { messagesPerSecond: 1e9, messageBurst: 1e9, maxViolationsPerSocket: 1e9 } }

const MESH = binaryId(MESH_INFOHASH)

/**
 * Sends `count` generated messages (seeded) to the origin's tracker from four connections, while two honest
 * viewers sit in the mesh swarm and get whatever the tracker relays. Each input is followed by a probe scrape on
 * its connection, so an input's time is until the tracker answers again. After each batch: the origin serves its
 * playlist, a fresh viewer is admitted, nothing was caught inside bittorrent-tracker (each throw there is a check
 * missing here), and every relayed message the honest viewers got was a well-formed offer or answer.
 */
export async function fuzzTracker(origin: Origin, count: number, seed: number, batch = 500): Promise<SurfaceReport> {
  const url = new URL('announce', origin.url).href.replace(/^http/, 'ws')
  const inputs = fc.sample(trackerInputs(), { seed, numRuns: count })
  const honest = await Promise.all([joinMesh(url, 'a'.repeat(20)), joinMesh(url, 'b'.repeat(20))])
  const sockets: (TrackerSocket | null)[] = Array(FUZZ_SOCKETS).fill(null)
  const bounds = new InputBounds((index) => `#${index} (seed ${seed}): ${describe(inputs[index]!)}`)
  const trackerBaseline = trackerHeldBytes(await metricsOf(origin))
  let trackerWorstBytes = 0
  try {
    for (let index = 0; index < inputs.length; index++) {
      await bounds.run(index, () => sendOne(url, sockets, inputs[index]!, index))
      if ((index + 1) % batch === 0 || index === inputs.length - 1) {
        const trackerGrown = (await checkStillServing(origin, url, honest)) - trackerBaseline
        trackerWorstBytes = Math.max(trackerWorstBytes, trackerGrown)
        if (trackerGrown > MAX_INPUT_BYTES)
          throw new Error(`the tracker process holds ${(trackerGrown / 2 ** 20).toFixed(0)} MB more after inputs up to #${index}`)
        bounds.rebase()
      }
    }
  } finally {
    for (const socket of [...sockets, ...honest]) socket?.close()
  }
  const worstBytes = Math.max(bounds.worstBytes, trackerWorstBytes)
  return { surface: 'tracker messages', inputs: count, seed, worstMs: bounds.worstMs, worstBytes }
}

async function sendOne(url: string, sockets: (TrackerSocket | null)[], input: TrackerInput, index: number): Promise<void> {
  let socket = sockets[input.socket]
  if (!socket?.open) socket = sockets[input.socket] = await pinnedSocket(url, FUZZ_PEER_IDS[input.socket]!)
  socket.replies.length = 0
  socket.send(input.payload)
  const probe = binaryId(index.toString(16).padStart(40, 'f'))
  if (socket.open) socket.send(JSON.stringify({ action: 'scrape', info_hash: [probe] }))
  await socket.next((reply) => reply.action === 'scrape' && typeof reply.files === 'object' && probe in (reply.files ?? {}), 5000)
  if (socket.garbled.length) throw new Error(`the tracker sent a reply that is not a JSON object: ${socket.garbled[0]!.slice(0, 200)}`)
}

/** A fuzz connection, first announced with its own peer id, so later inputs can go deeper than the peer id check. */
async function pinnedSocket(url: string, peerId: string): Promise<TrackerSocket> {
  const socket = await TrackerSocket.connect(url)
  socket.send(JSON.stringify({ action: 'announce', info_hash: MESH, peer_id: peerId, event: 'started', left: 1, offers: [], numwant: 0 }))
  await socket.next((reply) => reply.action === 'announce')
  return socket
}

async function joinMesh(url: string, peerId: string): Promise<TrackerSocket> {
  const socket = await TrackerSocket.connect(url)
  socket.send(JSON.stringify({ action: 'announce', info_hash: MESH, peer_id: peerId, event: 'started', left: 1, offers: [], numwant: 0 }))
  const reply = await socket.next((message) => message.action === 'announce')
  if (!reply || reply['failure reason']) throw new Error(`an honest viewer was not admitted: ${JSON.stringify(reply)}`)
  return socket
}

/** Checks that the origin and its tracker still serve; returns the memory the tracker process holds. */
async function checkStillServing(origin: Origin, url: string, honest: TrackerSocket[]): Promise<number> {
  const playlist = await getText(origin.playlistUrl)
  if (playlist.status !== 200 || !playlist.text.startsWith('#EXTM3U'))
    throw new Error(`the origin stopped serving its playlist (${playlist.status})`)
  const metrics = await metricsOf(origin)
  const caught = Number(/^live_torrent_tracker_errors_total (\d+)/m.exec(metrics)?.[1] ?? 'NaN')
  if (caught !== 0) throw new Error(`bittorrent-tracker threw ${caught} times on checked messages: a check is missing`)
  // The origin restarts a tracker process that ended: an input that ended it must still be a finding.
  const restarts = Number(/^live_torrent_tracker_restarts_total (\d+)/m.exec(metrics)?.[1] ?? 'NaN')
  if (restarts !== 0) throw new Error(`the tracker process ended ${restarts} times (restarted by the origin)`)
  const fresh = await joinMesh(url, `fresh-${randomBytes(7).toString('hex')}`)
  fresh.close()
  for (const viewer of honest) {
    if (!viewer.open) throw new Error('the tracker closed an honest viewer')
    for (const reply of viewer.replies.splice(0)) checkRelayed(reply)
  }
  return trackerHeldBytes(metrics)
}

async function metricsOf(origin: Origin): Promise<string> {
  return (await getText(new URL('metrics', origin.url).href)).text
}

/** JS heap plus buffers of the tracker's process, from its metrics (it runs apart from this one). */
function trackerHeldBytes(metrics: string): number {
  const read = (name: string): number => Number(new RegExp(`^live_torrent_tracker_${name} (\\d+)`, 'm').exec(metrics)?.[1] ?? 'NaN')
  const held = read('nodejs_heap_size_used_bytes') + read('nodejs_external_memory_bytes')
  if (!Number.isFinite(held)) throw new Error("the origin's /metrics has no memory figures of its tracker process")
  return held
}

/** What the tracker relays to a viewer must be what a browser's client can take: offers and answers as objects. */
function checkRelayed(reply: TrackerReply): void {
  if (reply.action !== 'announce') throw new Error(`relayed a message with action ${JSON.stringify(reply.action)}`)
  for (const kind of ['offer', 'answer'] as const) {
    const description = reply[kind] as { type?: unknown; sdp?: unknown } | undefined
    if (description === undefined) continue
    if (description?.type !== kind || typeof description.sdp !== 'string')
      throw new Error(`relayed a malformed ${kind}: ${JSON.stringify(reply).slice(0, 300)}`)
    if (typeof reply.peer_id !== 'string' || reply.peer_id.length !== 20) throw new Error(`relayed a ${kind} without a peer id`)
  }
}

function describe(input: TrackerInput): string {
  const text = typeof input.payload === 'string' ? input.payload : `<${input.payload.length} bytes>`
  return `socket ${input.socket}: ${text.slice(0, 160)}`
}
