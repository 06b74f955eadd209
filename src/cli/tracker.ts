import { startStandaloneTracker } from '../tracker/standalone.js'
import { commandLogger, startOrExit, stopOnSignals } from './lifecycle.js'

export interface TrackerFlags {
  port: number
  host: string
  minSwarm: number
}

/** `live-torrent tracker`: the origin's WebSocket tracker alone, for `serve --no-tracker --tracker URL` setups. */
export async function runTracker(flags: TrackerFlags): Promise<void> {
  const logger = commandLogger()
  const tracker = await startOrExit(() =>
    startStandaloneTracker({ port: flags.port, host: flags.host, config: { minSwarm: flags.minSwarm }, logger }),
  )
  process.stdout.write(`\n  Tracker:  ${tracker.announceUrl}\n  Metrics:  ${tracker.metricsUrl}\n\n`)
  stopOnSignals(logger, () => tracker.close())
}
