// Test-only: a real TURN server (Debian's coturn) on loopback, for the relay-only privacy mode.
import { spawn, type ChildProcess } from 'node:child_process'
import { freePort } from './origin.js'

export interface TurnServer {
  iceServer: RTCIceServer
  /** coturn's log so far (its allocations show which viewers relayed through it). */
  log(): string
  stop(): Promise<void>
}

/** Starts turnserver with one long-term user, relaying on loopback (coturn refuses loopback peers by default). */
export async function startTurn(): Promise<TurnServer> {
  const port = await freePort()
  const username = 'viewer'
  const credential = 'not-a-secret'
  const child: ChildProcess = spawn(
    'turnserver',
    [
      '-n',
      '--listening-ip=127.0.0.1',
      `--listening-port=${port}`,
      '--relay-ip=127.0.0.1',
      '--min-port=49160',
      '--max-port=49400',
      `--user=${username}:${credential}`,
      '--realm=live-torrent.test',
      '--lt-cred-mech',
      '--fingerprint',
      '--allow-loopback-peers',
      '--no-tls',
      '--no-dtls',
      '--no-cli',
      '--log-file=stdout',
      '--simple-log',
      '--verbose',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  )
  let output = ''
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()))
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()))
  await new Promise<void>((resolve, reject) => {
    child.once('error', (err) => reject(new Error(`cannot start turnserver (apt-get install coturn): ${err.message}`)))
    const started = Date.now()
    const poll = setInterval(() => {
      if (/IPv4\. UDP listener opened on : 127\.0\.0\.1/.test(output) || /listener opened on/.test(output)) {
        clearInterval(poll)
        resolve()
      } else if (child.exitCode !== null || Date.now() - started > 10_000) {
        clearInterval(poll)
        reject(new Error(`turnserver did not start: ${output.slice(-500)}`))
      }
    }, 50)
  })
  return {
    iceServer: { urls: `turn:127.0.0.1:${port}?transport=udp`, username, credential },
    log: () => output,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve()
        child.once('exit', () => resolve())
        child.kill('SIGTERM')
      }),
  }
}
