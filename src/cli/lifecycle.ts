import type { Logger } from 'pino'
import { createLogger } from './logger.js'

/** The logger of a long-running command. It keeps serving what it can: a stray rejection is logged, never fatal. */
export function commandLogger(): Logger {
  const logger = createLogger()
  process.on('unhandledRejection', (reason) => logger.error({ err: String(reason) }, 'unhandled rejection'))
  return logger
}

/** Starts what a command runs; a failure is one line on stderr and exit code 1 (after `cleanup`). */
export async function startOrExit<T>(start: () => Promise<T>, cleanup: () => void = () => {}): Promise<T> {
  try {
    return await start()
  } catch (err) {
    cleanup()
    process.stderr.write(`live-torrent: ${(err as Error).message}\n`)
    process.exit(1)
  }
}

/** Ctrl-C or SIGTERM: `stop`, then exit 0. */
export function stopOnSignals(logger: Logger, stop: () => Promise<void>): void {
  const shutdown = (): void => {
    logger.info('stopping')
    void stop().finally(() => process.exit(0))
  }
  process.once('SIGINT', shutdown)
  process.once('SIGTERM', shutdown)
}
