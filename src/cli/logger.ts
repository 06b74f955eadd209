import { pino, type Logger } from 'pino'

/** Structured logs (pino JSON), pretty on a terminal; LOG_LEVEL sets the level. */
export function createLogger(): Logger {
  const level = process.env.LOG_LEVEL ?? 'info'
  if (!process.stdout.isTTY) return pino({ level })
  return pino({ level, transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'HH:MM:ss' } } })
}
