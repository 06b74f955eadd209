/**
 * The load of `bench:tracker`, run in its own process: simulated WebTorrent viewers on WebSockets, each announcing
 * the mesh swarm the way the page client does (bittorrent-tracker's client: offers in the announce, an answer for
 * every offer relayed to it, a re-announce every interval). Ramps to `peers` at `rate` per second, holds them for
 * `steady` seconds, and prints one JSON line with what it measured (a run splits its peers over several of these
 * processes: one process may hold only so many sockets). Every loop is bounded, and it exits by itself.
 */
import { randomBytes } from 'node:crypto'
import { parseArgs } from 'node:util'
import WebSocket from 'ws'

const { values } = parseArgs({
  options: {
    url: { type: 'string' },
    /** The mesh swarm (hex), shared by all load processes of one run. */
    swarm: { type: 'string' },
    peers: { type: 'string', default: '25000' },
    rate: { type: 'string', default: '500' },
    steady: { type: 'string', default: '30' },
    interval: { type: 'string', default: '10' },
    'first-offers': { type: 'string', default: '10' },
    'later-offers': { type: 'string', default: '1' },
  },
})
const URL_ = values.url!
const PEERS = Number(values.peers)
const RATE = Number(values.rate)
const STEADY_MS = Number(values.steady) * 1000
const INTERVAL_MS = Number(values.interval) * 1000
const FIRST_OFFERS = Number(values['first-offers'])
const LATER_OFFERS = Number(values['later-offers'])
/** Loopback addresses to connect from: one source address has only ~28,000 ephemeral ports towards one port. */
const SOURCE_ADDRESSES = Array.from({ length: 8 }, (_, i) => `127.0.0.${2 + i}`)

const binary = (bytes: number): string => randomBytes(bytes).toString('latin1')
const SWARM = Buffer.from(values.swarm ?? randomBytes(20).toString('hex'), 'hex').toString('latin1')
/** A WebRTC offer as simple-peer writes it without trickle (one host candidate), about 700 bytes. */
const SDP = [
  'v=0',
  'o=- 4611731400430051336 2 IN IP4 127.0.0.1',
  's=-',
  't=0 0',
  'a=group:BUNDLE 0',
  'a=extmap-allow-mixed',
  'a=msid-semantic: WMS',
  'm=application 9 UDP/DTLS/SCTP webrtc-datachannel',
  'c=IN IP4 0.0.0.0',
  'a=candidate:1467250027 1 udp 2122260223 192.168.1.23 56143 typ host generation 0 network-id 1',
  'a=ice-ufrag:EsAw',
  'a=ice-pwd:P2uYro0UCOQ4zxjKXaWCBui1',
  'a=ice-options:trickle',
  'a=fingerprint:sha-256 6B:8B:F0:65:5F:78:E2:51:3B:AC:6F:F3:3F:46:1B:35:DC:B8:5F:64:1A:24:C2:43:F0:A1:58:D0:A1:2C:19:08',
  'a=setup:actpass',
  'a=mid:0',
  'a=sctp-port:5000',
  'a=max-message-size:262144',
  '',
].join('\r\n')

interface Peer {
  ws: WebSocket
  id: string
  /** Send times of announces not answered yet (the tracker answers announces in order, answers not at all). */
  pending: number[]
  nextAnnounceAt: number
  lastHeardAt: number
}

const peers: Peer[] = []
const failures = new Map<string, number>()
const latencies: number[] = []
let measuring = false
let steadyAnnounces = 0
let offersRelayed = 0
let answersRelayed = 0
let refusals = 0
let opened = 0

function fail(reason: string): void {
  failures.set(reason, (failures.get(reason) ?? 0) + 1)
}

function announce(peer: Peer, offers: number, event?: string): void {
  const message: Record<string, unknown> = {
    action: 'announce',
    info_hash: SWARM,
    peer_id: peer.id,
    numwant: offers,
    uploaded: 0,
    downloaded: 0,
    left: 1,
    offers: Array.from({ length: offers }, () => ({ offer: { type: 'offer', sdp: SDP }, offer_id: binary(20) })),
  }
  if (event) message.event = event
  peer.pending.push(performance.now())
  peer.ws.send(JSON.stringify(message))
}

function onMessage(peer: Peer, raw: WebSocket.RawData): void {
  const message = JSON.parse(raw.toString()) as Record<string, unknown>
  const now = performance.now()
  peer.lastHeardAt = now
  if (typeof message['failure reason'] === 'string') {
    refusals++
    peer.pending.shift()
  } else if (message.offer) {
    offersRelayed++
    peer.ws.send(
      JSON.stringify({
        action: 'announce',
        info_hash: SWARM,
        peer_id: peer.id,
        to_peer_id: message.peer_id,
        answer: { type: 'answer', sdp: SDP.replace('actpass', 'active') },
        offer_id: message.offer_id,
      }),
    )
  } else if (message.answer) {
    answersRelayed++
  } else if (message.interval !== undefined) {
    const sentAt = peer.pending.shift()
    if (sentAt !== undefined && measuring) {
      latencies.push(now - sentAt)
      steadyAnnounces++
    }
  }
}

function connect(index: number): void {
  const ws = new WebSocket(URL_, { localAddress: SOURCE_ADDRESSES[index % SOURCE_ADDRESSES.length], perMessageDeflate: false })
  const peer: Peer = { ws, id: binary(20), pending: [], nextAnnounceAt: Infinity, lastHeardAt: 0 }
  ws.on('open', () => {
    opened++
    peers.push(peer)
    announce(peer, FIRST_OFFERS, 'started')
    // Spread re-announces over the interval, as viewers that joined at different times do.
    peer.nextAnnounceAt = performance.now() + INTERVAL_MS * (0.5 + Math.random())
  })
  ws.on('message', (raw) => onMessage(peer, raw))
  ws.on('error', (err: NodeJS.ErrnoException) => fail(err.code ?? err.message.slice(0, 40)))
  ws.on('unexpected-response', (_req, res) => fail(`HTTP ${res.statusCode}`))
  ws.on('close', () => (peer.nextAnnounceAt = Infinity))
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

async function ramp(): Promise<number> {
  const started = performance.now()
  const deadline = started + (PEERS / RATE) * 2000 + 30_000
  for (let index = 0; index < PEERS && performance.now() < deadline; index++) {
    connect(index)
    // Paced per 10 ms slot, so the rate holds without one timer per peer.
    const due = started + ((index + 1) / RATE) * 1000
    if (due > performance.now() + 10) await sleep(due - performance.now())
  }
  while (opened + [...failures.values()].reduce((a, b) => a + b, 0) < PEERS && performance.now() < deadline) await sleep(100)
  return (performance.now() - started) / 1000
}

/** One timer walks every peer every 100 ms and re-announces those that are due. */
const reannounce = setInterval(() => {
  const now = performance.now()
  for (const peer of peers) {
    if (peer.nextAnnounceAt > now || peer.ws.readyState !== WebSocket.OPEN) continue
    peer.nextAnnounceAt = now + INTERVAL_MS
    announce(peer, LATER_OFFERS)
  }
}, 100)

const rampSeconds = await ramp()
// One full interval after the ramp so every peer re-announced at least once before measuring.
await sleep(INTERVAL_MS)
measuring = true
const steadyStart = performance.now()
await sleep(STEADY_MS)
measuring = false
const steadySeconds = (performance.now() - steadyStart) / 1000
const now = performance.now()
const held = peers.filter((peer) => peer.ws.readyState === WebSocket.OPEN && now - peer.lastHeardAt < 2.5 * INTERVAL_MS).length
const unanswered = peers.reduce((sum, peer) => sum + peer.pending.filter((at) => now - at > 5000).length, 0)
clearInterval(reannounce)
for (const peer of peers) peer.ws.terminate()
process.stdout.write(
  JSON.stringify({
    target: PEERS,
    opened,
    held,
    rampSeconds,
    steadySeconds,
    announcesPerSecond: steadyAnnounces / steadySeconds,
    latenciesMs: latencies.map((ms) => Math.round(ms * 10) / 10),
    unansweredOver5s: unanswered,
    offersRelayed,
    answersRelayed,
    refusals,
    failures: Object.fromEntries(failures),
  }) + '\n',
)
process.exit(0)
