import { createServer } from 'node:http'
import { pino } from 'pino'
import { Registry, collectDefaultMetrics } from 'prom-client'
import { Tracker } from '../tracker.js'
import { isToChild, type ChildSettings, type FromChild, type ToChild } from './ipc.js'

/**
 * The entry of the origin's tracker process (forked by supervisor.ts): the origin's tracker on a WebSocket server
 * bound to 127.0.0.1 at a free port, to which the origin forwards the upgrades of `/announce`. Whatever happens in
 * here (a throw that escapes, a runaway input, memory) ends only this process, which the origin restarts.
 */
function main(): void {
  // The origin may have closed the channel already (it stopped right after starting this process).
  const send = (message: FromChild): boolean => (process.connected && process.send?.(message)) || false
  const settings = JSON.parse(process.argv[2] ?? '{}') as ChildSettings
  const logger = pino({ level: settings.logLevel }, { write: (line: string) => send({ type: 'log', line }) })
  const registry = new Registry()
  // Prefixed, so that the origin can append them to its own process metrics without a name clash.
  collectDefaultMetrics({ register: registry, prefix: 'live_torrent_tracker_' })
  const published = new Set(settings.meshSwarms)
  const tracker = new Tracker({ isPublished: (hash) => published.has(hash), config: settings.config, logger, registry })
  const server = createServer((_req, res) => res.writeHead(404).end())
  server.on('upgrade', (req, socket, head) => {
    if ((req.url ?? '').split('?')[0] === '/announce') tracker.handleUpgrade(req, socket, head)
    else socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n')
  })
  process.on('message', (message: unknown) => {
    if (!isToChild(message)) return logger.error({ message }, 'tracker process: unreadable message from the origin')
    void handle(message)
  })
  // The origin is gone (or closed the channel to stop this process).
  process.on('disconnect', () => process.exit(0))
  server.listen(0, '127.0.0.1', () => {
    const address = server.address()
    if (typeof address === 'object' && address) send({ type: 'listening', port: address.port })
  })

  async function handle(message: ToChild): Promise<void> {
    switch (message.type) {
      case 'publish':
        published.add(message.infoHash)
        return
      case 'unpublish':
        published.delete(message.infoHash)
        tracker.prune(message.infoHash)
        return
      case 'ping':
        send({ type: 'pong', id: message.id })
        return
      case 'metrics':
        tracker.updateGauges()
        send({ type: 'metrics', id: message.id, text: await registry.metrics() })
    }
  }
}

main()
