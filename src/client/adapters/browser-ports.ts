import type { Clock, HttpPort, Log } from '../core/ports.js'

/** The page's clock: performance.now and setTimeout. */
export const browserClock: Clock = {
  now: () => performance.now(),
  setTimer(ms, run) {
    const id = setTimeout(run, ms)
    return { cancel: () => clearTimeout(id) }
  },
}

/** The console, with the debug lines only when `debug` is on (ClientConfig.debug). */
export function consoleLog(debug: boolean): Log {
  return {
    debug: debug ? (message, ...details) => console.debug(`live-torrent: ${message}`, ...details) : () => {},
    warn: (message, ...details) => console.warn(`live-torrent: ${message}`, ...details),
  }
}

/**
 * HTTP with fetch, the body read as it streams in (so pieces are handed on as they arrive).
 *
 * Every request carries a Range header, a whole segment as the open-ended `bytes=0-`. That is what keeps the
 * service worker out of it: the worker answers a player's request for a segment by asking this page, and a range
 * that names no listed segment (open-ended, or a piece span) is never one it takes, so the page's own fetch goes
 * to the network instead of coming back to itself. A part must come back as 206; the whole may come as 200 or 206.
 */
export const fetchHttp: HttpPort = {
  fetch(url, range, sink) {
    const controller = new AbortController()
    const headers = { range: range ? `bytes=${range.start}-${range.end - 1}` : 'bytes=0-' }
    const run = async (): Promise<void> => {
      const response = await fetch(url, { headers, signal: controller.signal })
      const ok = range ? response.status === 206 : response.status === 200 || (response.status === 206 && startsAtZero(response))
      if (!ok) throw new Error(`HTTP ${response.status} for ${url}`)
      if (!response.body) throw new Error(`no body for ${url}`)
      const reader = response.body.getReader()
      for (;;) {
        const { done, value } = await reader.read()
        if (done) return
        sink.data(value)
      }
    }
    run().then(
      () => sink.done(),
      (err: unknown) => sink.done(err instanceof Error ? err : new Error(String(err))),
    )
    return () => controller.abort()
  },
  fetchText(url, done) {
    fetch(url, { cache: 'no-store' })
      .then((response) => (response.ok ? response.text() : null))
      .then(done, () => done(null))
  },
}

function startsAtZero(response: Response): boolean {
  return /^bytes 0-/.test(response.headers.get('content-range') ?? '')
}
