import { fork, type ChildProcess } from 'node:child_process'
import type { IncomingMessage } from 'node:http'
import { extname } from 'node:path'
import type { Duplex } from 'node:stream'
import { fileURLToPath } from 'node:url'
import type { Logger } from 'pino'
import { Counter, Gauge, type Registry } from 'prom-client'
import { resolveTrackerConfig, type TrackerConfig } from '../config.js'
import { isFromChild, type ChildSettings, type FromChild, type ToChild } from './ipc.js'
import { forwardUpgrade } from './upgrade-proxy.js'

/** The first restart after a crash waits this long (ms)... */
const RESTART_DELAY_MS = 250
/** ...each crash soon after the previous one doubles it, up to this (ms)... */
const MAX_RESTART_DELAY_MS = 10_000
/** ...and a process that ran this long (ms) before it ended starts the doubling afresh. */
const STABLE_AFTER_MS = 30_000
/** A process that has not listened by then (ms) is killed (and started again). */
const START_TIMEOUT_MS = 30_000
/**
 * While the process (re)starts, a tracker connection or a metrics read waits this long (ms) for it; then the
 * connection is refused with 503, and /metrics shows the origin's own figures alone.
 */
const UP_WAIT_MS = 10_000
/** A metrics request the process has not answered by then (ms) is given up. */
const METRICS_TIMEOUT_MS = 2000
/** The process is pinged this often (ms)... */
const PING_EVERY_MS = 2000
/** ...and killed (then restarted) when it has answered nothing for this long (ms): its event loop is stuck. */
const UNRESPONSIVE_AFTER_MS = 10_000
/** After asking the process to stop (ms), it is killed. */
const STOP_TIMEOUT_MS = 2000

export interface TrackerProcessOptions {
  /** The tracker's settings (defaults in tracker/config.ts); checked here, before any process starts. */
  config: Partial<TrackerConfig>
  logger: Logger
  /** Where the restarts counter and the up gauge go (the origin's registry). */
  registry: Registry
  /** The feed's mesh swarms, always admitted. */
  meshSwarms: string[]
  /** The segment infohashes published now (a restarted process is given them again). */
  published(): string[]
}

/**
 * The origin's tracker in a process of its own, supervised: the origin forwards each `/announce` upgrade to it, tells
 * it what is published and pruned, and appends its metrics to /metrics. When the process ends for any reason, it is
 * restarted (after RESTART_DELAY_MS, doubling while it keeps failing), and meanwhile new tracker connections are
 * refused with 503. Viewers lose only their tracker connection: they play on over HTTP and over the neighbour
 * connections they have, and reconnect (client/adapters/tracker-link.ts). No playlist or segment waits on it.
 */
export class TrackerProcess {
  private child: ChildProcess | null = null
  private port: number | null = null
  private startedAt = 0
  private restartDelayMs = RESTART_DELAY_MS
  private restartTimer: NodeJS.Timeout | null = null
  private stopping = false
  private everUp = false
  private nextMessageId = 1
  private lastAnswer = 0
  private pinger: NodeJS.Timeout | null = null
  private readonly pendingMetrics = new Map<number, (text: string) => void>()
  private readonly upWaiters = new Set<(up: boolean) => void>()
  private readonly log: Logger
  private readonly restarts: Counter
  private readonly up: Gauge

  /** Checks the tracker's settings (throws a TrackerConfigError); `start` starts the process. */
  constructor(private readonly options: TrackerProcessOptions) {
    resolveTrackerConfig(options.config)
    this.log = options.logger.child({ component: 'tracker' })
    const registers = [options.registry]
    this.restarts = new Counter({
      name: 'live_torrent_tracker_restarts_total',
      help: 'Restarts of the tracker process after it ended',
      registers,
    })
    this.up = new Gauge({ name: 'live_torrent_tracker_up', help: '1 while the tracker process listens, else 0', registers })
  }

  /** Starts the process. Connections and metrics reads that come before it listens wait for it (UP_WAIT_MS). */
  start(): void {
    this.spawn()
  }

  /** Resolves true once the process listens, false when it does not within `timeoutMs` or the tracker stops. */
  whenUp(timeoutMs = UP_WAIT_MS): Promise<boolean> {
    if (this.port !== null) return Promise.resolve(true)
    if (this.stopping) return Promise.resolve(false)
    return new Promise((resolve) => {
      const settle = (up: boolean): void => {
        clearTimeout(timer)
        this.upWaiters.delete(settle)
        resolve(up)
      }
      const timer = setTimeout(() => settle(false), timeoutMs)
      this.upWaiters.add(settle)
    })
  }

  /** The process id of the tracker process now, if one runs. */
  get pid(): number | undefined {
    return this.child?.pid
  }

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    if (this.port !== null) return forwardUpgrade(req, socket, head, this.port)
    socket.on('error', () => socket.destroy())
    void this.whenUp().then((up) => {
      if (socket.destroyed) return
      if (up && this.port !== null) forwardUpgrade(req, socket, head, this.port)
      else socket.end('HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nRetry-After: 5\r\nContent-Length: 0\r\n\r\n')
    })
  }

  publish(infoHash: string): void {
    this.send({ type: 'publish', infoHash })
  }

  unpublish(infoHash: string): void {
    this.send({ type: 'unpublish', infoHash })
  }

  /** The tracker's metrics (Prometheus text), or '' while it is down or does not answer. */
  async metricsText(): Promise<string> {
    if (!(await this.whenUp())) return ''
    const id = this.nextMessageId++
    return new Promise((resolve) => {
      const timer = setTimeout(() => settle(''), METRICS_TIMEOUT_MS)
      const settle = (text: string): void => {
        clearTimeout(timer)
        this.pendingMetrics.delete(id)
        resolve(text)
      }
      this.pendingMetrics.set(id, settle)
      if (!this.send({ type: 'metrics', id })) settle('')
    })
  }

  async close(): Promise<void> {
    this.stopping = true
    if (this.restartTimer) clearTimeout(this.restartTimer)
    if (this.pinger) clearInterval(this.pinger)
    for (const settle of [...this.upWaiters]) settle(false)
    const child = this.child
    if (!child || child.exitCode !== null || child.signalCode !== null) return
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
    const kill = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS)
    if (child.connected) child.disconnect()
    else child.kill('SIGKILL')
    await exited
    clearTimeout(kill)
  }

  private spawn(): void {
    const settings: ChildSettings = {
      config: this.options.config,
      logLevel: this.options.logger.level,
      meshSwarms: this.options.meshSwarms,
    }
    const child = fork(childEntry(), [JSON.stringify(settings)], {
      execArgv: loaderArgs(process.execArgv),
      serialization: 'json',
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    })
    this.child = child
    this.startedAt = Date.now()
    const timer = setTimeout(() => {
      this.log.error({ timeoutMs: START_TIMEOUT_MS }, 'tracker process did not start in time; killing it')
      child.kill('SIGKILL')
    }, START_TIMEOUT_MS)
    child.on('message', (message: unknown) => {
      if (!isFromChild(message)) return this.log.error('unreadable message from the tracker process')
      if (message.type === 'listening') {
        clearTimeout(timer)
        this.onListening(message.port)
      }
      this.receive(message)
    })
    child.on('error', (err) => this.log.error({ err: err.message }, 'tracker process error'))
    child.once('exit', (code, signal) => {
      clearTimeout(timer)
      this.onExit(child, code, signal)
    })
  }

  private onListening(port: number): void {
    this.port = port
    this.lastAnswer = Date.now()
    this.pinger = setInterval(() => this.ping(), PING_EVERY_MS)
    this.pinger.unref()
    this.up.set(1)
    // What is published now, told once it listens: nothing sent before can have been missed.
    for (const infoHash of this.options.published()) this.send({ type: 'publish', infoHash })
    if (this.everUp) this.log.info({ port }, 'tracker process restarted')
    this.everUp = true
    for (const settle of [...this.upWaiters]) settle(true)
  }

  private ping(): void {
    const child = this.child
    if (!child || this.port === null) return
    if (Date.now() - this.lastAnswer > UNRESPONSIVE_AFTER_MS) {
      this.log.error({ silentMs: Date.now() - this.lastAnswer }, 'tracker process stopped answering; killing it')
      child.kill('SIGKILL')
      return
    }
    this.send({ type: 'ping', id: this.nextMessageId++ })
  }

  private receive(message: FromChild): void {
    this.lastAnswer = Date.now()
    if (message.type === 'metrics') this.pendingMetrics.get(message.id)?.(message.text)
    else if (message.type === 'log') this.relayLog(message.line)
  }

  /** Logs one of the process's pino lines through the origin's logger, at its level. */
  private relayLog(line: string): void {
    try {
      const { level, msg, time: _time, pid: _pid, hostname: _host, ...fields } = JSON.parse(line) as Record<string, unknown>
      const label = typeof level === 'number' ? this.log.levels.labels[level] : undefined
      const write = label && label in this.log ? this.log[label as 'info'].bind(this.log) : this.log.info.bind(this.log)
      write(fields, typeof msg === 'string' ? msg : 'tracker process')
    } catch {
      this.log.warn({ line: line.slice(0, 200) }, 'unreadable log line from the tracker process')
    }
  }

  private onExit(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (this.child !== child) return
    this.child = null
    this.port = null
    this.up.set(0)
    if (this.pinger) clearInterval(this.pinger)
    this.pinger = null
    for (const settle of [...this.pendingMetrics.values()]) settle('')
    if (this.stopping) return
    this.restarts.inc()
    if (Date.now() - this.startedAt >= STABLE_AFTER_MS) this.restartDelayMs = RESTART_DELAY_MS
    const delayMs = this.restartDelayMs
    this.restartDelayMs = Math.min(MAX_RESTART_DELAY_MS, delayMs * 2)
    this.log.error({ code, signal, restartInMs: delayMs }, 'tracker process ended; P2P discovery pauses until it is back')
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null
      this.spawn()
    }, delayMs)
  }

  private send(message: ToChild): boolean {
    const child = this.child
    if (this.port === null || !child?.connected) return false
    child.send(message)
    return true
  }
}

/** The child's entry file beside this one: .ts when run from source (tsx), .js when built. */
function childEntry(): string {
  const ownPath = fileURLToPath(import.meta.url)
  return fileURLToPath(new URL(`./child${extname(ownPath)}`, import.meta.url))
}

/** The options that make the child load modules as this process does (e.g. `--import tsx`); the rest stay here. */
function loaderArgs(execArgv: readonly string[]): string[] {
  const kept: string[] = []
  for (let i = 0; i < execArgv.length; i++) {
    const arg = execArgv[i]!
    if (/^--(import|require|loader|experimental-loader)=/.test(arg)) kept.push(arg)
    else if (/^(--(import|require|loader|experimental-loader)|-r)$/.test(arg) && i + 1 < execArgv.length) kept.push(arg, execArgv[++i]!)
  }
  return kept
}
