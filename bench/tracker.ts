/**
 * `npm run bench:tracker`: how many viewers one tracker process holds. Simulated WebSocket viewers (bench/tracker/
 * load.ts, in a process of their own) announce one mesh swarm, with offers relayed and answered, re-announcing at
 * the viewers' real interval (10 s), first against `live-torrent tracker`, then against a stock bittorrent-tracker
 * Server, in the same run. For each: peers held, announces per second, announce latency p50/p99, the tracker's
 * memory per peer and CPU. Writes bench/results/tracker.json and prints a table. Loopback only; stops by itself.
 *
 *   npm run bench:tracker -- [--peers 19000] [--rate 500] [--steady 30]
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { connect } from 'node:net'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { freePort } from '../test/support/origin.js'
import { percentile, writeResults } from './stats.js'

const { values } = parseArgs({
  options: {
    // Below the 20,000 descriptors one process may hold on these machines (one socket per peer).
    peers: { type: 'string', default: '19000' },
    rate: { type: 'string', default: '500' },
    steady: { type: 'string', default: '30' },
  },
})
const PEERS = Number(values.peers)
/** Peers per load process: each holds one socket per peer, under the per-process descriptor limit. */
const PEERS_PER_LOAD = 10_000

/** File descriptors for the tracker and the load: one socket per peer on each side. */
const FD_LIMIT = 250_000
const CLOCK_TICKS = 100

interface Figures {
  tracker: string
  target: number
  held: number
  announcesPerSecond: number
  latencyMs: { p50: number; p99: number; max: number }
  rssIdleMB: number
  rssLoadedMB: number
  bytesPerPeer: number
  /** Share of one core the tracker used while steady. */
  cpuCores: number
  load: Array<Omit<LoadResult, 'latenciesMs'>>
}

/** What one load process prints (bench/tracker/load.ts). */
interface LoadResult {
  held?: number
  announcesPerSecond?: number
  latenciesMs?: number[]
  [key: string]: unknown
}

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0)

/** Runs `command` under a raised descriptor limit (root can raise it; otherwise the system's limit holds). */
function spawnWithFds(args: string[], env: NodeJS.ProcessEnv = process.env): ChildProcess {
  const script = `ulimit -n ${FD_LIMIT} 2>/dev/null || echo "bench:tracker: cannot raise the descriptor limit; peers are bounded by $(ulimit -n)" >&2; exec "$0" "$@"`
  return spawn('sh', ['-c', script, process.execPath, '--import', 'tsx', ...args], { stdio: ['ignore', 'pipe', 'inherit'], env })
}

function procStatus(pid: number): { rssBytes: number; cpuTicks: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0)
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return { rssBytes: rssKb * 1024, cpuTicks: Number(rest[11]) + Number(rest[12]) }
}

async function waitForPort(port: number, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => (socket.end(), resolve(true)))
      socket.once('error', () => resolve(false))
    })
    if (open) return
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  throw new Error(`nothing listens on port ${port} after ${timeoutMs} ms`)
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve()
    child.once('exit', () => resolve())
    child.kill('SIGTERM')
    setTimeout(() => child.kill('SIGKILL'), 5000).unref()
  })
}

async function measure(name: string, trackerArgs: (port: number) => string[], path: string): Promise<Figures> {
  const port = await freePort()
  const tracker = spawnWithFds(trackerArgs(port), { ...process.env, LOG_LEVEL: 'warn' })
  tracker.stdout!.resume()
  await waitForPort(port)
  // The shell exec'd node, so the child's pid is the tracker's.
  const pid = tracker.pid!
  await new Promise((resolve) => setTimeout(resolve, 1000))
  const idle = procStatus(pid)
  const loadScript = fileURLToPath(new URL('tracker/load.ts', import.meta.url))
  const swarm = randomBytes(20).toString('hex')
  const count = Math.ceil(PEERS / PEERS_PER_LOAD)
  const loads = Array.from({ length: count }, (_, index) => {
    const peers = Math.floor(PEERS / count) + (index < PEERS % count ? 1 : 0)
    const rate = Number(values.rate) / count
    const child = spawnWithFds([
      loadScript,
      '--url',
      `ws://127.0.0.1:${port}${path}`,
      '--swarm',
      swarm,
      '--peers',
      String(peers),
      '--rate',
      String(rate),
      '--steady',
      values.steady!,
    ])
    let output = ''
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()))
    const done = new Promise<LoadResult>((resolve) =>
      child.once('exit', () => resolve(JSON.parse(output.trim().split('\n').at(-1) ?? '{}') as LoadResult)),
    )
    return done
  })
  // CPU over the steady window: sampled from the moment the load says it measures (ramp + one interval).
  const rampSeconds = PEERS / Number(values.rate)
  await new Promise((resolve) => setTimeout(resolve, (rampSeconds + 10) * 1000))
  const before = procStatus(pid)
  const startedAt = Date.now()
  const results = await Promise.all(loads)
  const after = procStatus(pid)
  const seconds = (Date.now() - startedAt) / 1000
  const latencies = results.flatMap((result) => result.latenciesMs ?? [])
  const loaded = {
    held: sum(results.map((result) => result.held ?? 0)),
    announcesPerSecond: sum(results.map((result) => result.announcesPerSecond ?? 0)),
    latencyMs: { p50: percentile(latencies, 50), p99: percentile(latencies, 99), max: Math.max(...latencies) },
  }
  // Memory as the load left it (peak-ish: the load terminates its sockets only when it is done).
  await stop(tracker)
  return {
    tracker: name,
    target: PEERS,
    held: loaded.held,
    announcesPerSecond: loaded.announcesPerSecond,
    latencyMs: loaded.latencyMs,
    rssIdleMB: idle.rssBytes / 2 ** 20,
    rssLoadedMB: before.rssBytes / 2 ** 20,
    bytesPerPeer: loaded.held > 0 ? (before.rssBytes - idle.rssBytes) / loaded.held : NaN,
    cpuCores: (after.cpuTicks - before.cpuTicks) / CLOCK_TICKS / seconds,
    load: results.map(({ latenciesMs: _latencies, ...rest }) => rest),
  }
}

const cli = fileURLToPath(new URL('../src/cli/main.ts', import.meta.url))
const stockServer = fileURLToPath(new URL('tracker/stock-server.ts', import.meta.url))
const ours = await measure('live-torrent tracker', (port) => [cli, 'tracker', '--port', String(port)], '/announce')
const stock = await measure('bittorrent-tracker 11.2.3 Server', (port) => [stockServer, String(port)], '/')

const row = (f: Figures) =>
  `| ${f.tracker} | ${f.held} / ${f.target} | ${f.announcesPerSecond.toFixed(0)} | ${f.latencyMs.p50.toFixed(1)} | ${f.latencyMs.p99.toFixed(1)} | ${(f.bytesPerPeer / 1024).toFixed(1)} KB | ${(f.cpuCores * 100).toFixed(0)} % |`
const table = [
  '| tracker | peers held | announces/s | p50 ms | p99 ms | memory/peer | CPU (one core = 100 %) |',
  '| --- | --- | --- | --- | --- | --- | --- |',
  row(ours),
  row(stock),
  `| ratio (ours / stock) | ${(ours.held / stock.held).toFixed(2)} | ${(ours.announcesPerSecond / stock.announcesPerSecond).toFixed(2)} | ${(ours.latencyMs.p50 / stock.latencyMs.p50).toFixed(2)} | ${(ours.latencyMs.p99 / stock.latencyMs.p99).toFixed(2)} | ${(ours.bytesPerPeer / stock.bytesPerPeer).toFixed(2)} | ${(ours.cpuCores / stock.cpuCores).toFixed(2)} |`,
].join('\n')
const out = fileURLToPath(new URL('results/tracker.json', import.meta.url))
await writeResults(out, { at: new Date().toISOString(), options: values, results: [ours, stock] })
process.stdout.write(`\n${table}\n\nWritten to ${out}\n`)
