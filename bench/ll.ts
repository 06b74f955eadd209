/**
 * `npm run bench:ll [-- --rounds N --seconds S]`: how much latency the origin adds to an LL-HLS stream. The tests'
 * real-time LL-HLS upstream (1 s parts, 4 s segments, PART-HOLD-BACK 3 s, blocking reload) is played by the same
 * hls.js in lowLatencyMode in headless Chromium, straight from the upstream and through the origin, one after the
 * other in each round (the order alternates, so a drift of the machine's load weighs on both). Per play: the median
 * of hls.latency sampled every second, stalls, errors, 404s. Writes bench/results/ll.json and prints a table, with
 * the ratio of the medians (the issue's target: at most 1.2).
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Command, InvalidArgumentError } from 'commander'
import { pino } from 'pino'
import { Origin } from '../src/origin/origin.js'
import { launchChromium, playWithHlsJs, type PlaybackReport } from '../test/support/browser.js'
import { LowLatencyUpstream } from '../test/support/ll-upstream.js'
import { median } from './stats.js'

interface Play {
  round: number
  via: 'upstream' | 'origin'
  latencyMedianSeconds: number | null
  stalls: number
  errors: string[]
  notFound: number
  parts: number
}

function wholeNumber(value: string): number {
  const n = Number(value)
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('a whole number of at least 1')
  return n
}

function toPlay(round: number, via: Play['via'], report: PlaybackReport): Play {
  return {
    round,
    via,
    latencyMedianSeconds: report.latencyMedianSeconds,
    stalls: report.stalls,
    errors: report.fatalErrors,
    notFound: report.notFoundUrls.length,
    parts: report.partUrls.length,
  }
}

function medianOf(plays: Play[], via: Play['via']): number | null {
  const values = plays.filter((play) => play.via === via && play.latencyMedianSeconds !== null).map((play) => play.latencyMedianSeconds!)
  return values.length ? median(values) : null
}

async function main(): Promise<void> {
  const options = new Command('bench:ll')
    .option('--rounds <n>', 'rounds (each plays the upstream and the origin once)', wholeNumber, 3)
    .option('--seconds <s>', 'seconds each play lasts after its first frame', wholeNumber, 30)
    .parse(process.argv.slice(2), { from: 'user' })
    .opts<{ rounds: number; seconds: number }>()
  const dir = await mkdtemp(join(tmpdir(), 'lt-bench-ll-'))
  const upstream = await LowLatencyUpstream.create(dir, { loopParts: 240 })
  await upstream.start()
  const origin = await Origin.start({ kind: 'remote', url: upstream.url() }, { port: 0 }, { logger: pino({ level: 'silent' }) })
  const browser = await launchChromium()
  const plays: Play[] = []
  try {
    await origin.whenReady()
    for (let round = 1; round <= options.rounds; round++) {
      const order: Play['via'][] = round % 2 ? ['upstream', 'origin'] : ['origin', 'upstream']
      for (const via of order) {
        const url = via === 'upstream' ? upstream.url() : origin.playlistUrl
        const play = toPlay(round, via, await playWithHlsJs(browser, url, { seconds: options.seconds, lowLatencyMode: true }))
        plays.push(play)
        console.log(
          `round ${round} ${via.padEnd(8)} latency p50 ${play.latencyMedianSeconds?.toFixed(2) ?? '-'} s, stalls ${play.stalls}, ` +
            `errors ${play.errors.length}, 404s ${play.notFound}, parts ${play.parts}`,
        )
      }
    }
  } finally {
    await browser.close()
    await origin.stop()
    await upstream.stop()
    await rm(dir, { recursive: true, force: true })
  }
  const direct = medianOf(plays, 'upstream')
  const through = medianOf(plays, 'origin')
  const ratio = direct && through ? Math.round((through / direct) * 100) / 100 : null
  const report = {
    command: `npm run bench:ll -- ${process.argv.slice(2).join(' ')}`.trim(),
    date: new Date().toISOString(),
    plays,
    direct,
    through,
    ratio,
  }
  const out = fileURLToPath(new URL('results/', import.meta.url))
  await mkdir(out, { recursive: true })
  await writeFile(join(out, 'll.json'), JSON.stringify(report, null, 2) + '\n')
  console.log(`\nlatency p50 over the rounds: upstream ${direct?.toFixed(2)} s, through the origin ${through?.toFixed(2)} s: ${ratio}x`)
  console.log(`Wrote ${join(out, 'll.json')}`)
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err)
    process.exit(1)
  },
)
