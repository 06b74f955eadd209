import { startStandaloneTracker } from '../tracker/standalone.js'
import { createLogger } from './logger.js'

export interface TrackerFlags {
  port: number
  host: string
  minSwarm: number
}

/** `live-torrent tracker`: the origin's WebSocket tracker alone, for `serve --no-tracker --tracker URL` setups. */
export async function runTracker(flags: TrackerFlags): Promise<void> {
  const logger = createLogger()
  process.on('unhandledRejection', (reason) => logger.error({ err: String(reason) }, 'unhandled rejection'))
  let tracker: Awaited<ReturnType<typeof startStandaloneTracker>>
  try {
    tracker = await startStandaloneTracker({ port: flags.port, host: flags.host, config: { minSwarm: flags.minSwarm }, logger })
  } catch (err) {
    process.stderr.write(`live-torrent: ${(err as Error).message}\n`)
    process.exit(1)
  }
  process.stdout.write(`\n  Tracker:  ${tracker.announceUrl}\n  Metrics:  ${tracker.metricsUrl}\n\n`)
  const shutdown = (): void => {
    logger.info('stopping')
    void tracker.close().finally(() => process.exit(0))
  }
  process.once('SIGINT', shutdown)
  process.once('SIGTERM', shutdown)
}
