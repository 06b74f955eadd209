// `npm run fuzz -- [--count N] [--seed S]`: the long fuzz run, every surface, seeded and reproducible.
import { mkdir, writeFile } from 'node:fs/promises'
import { Command, InvalidArgumentError } from 'commander'
import { startOrigin } from '../support/origin.js'
import { formatReports, type SurfaceReport } from './report.js'
import { fuzzHttp } from './http.js'
import { fuzzMagnetLines } from './magnets.js'
import { fuzzPlaylists } from './playlists.js'
import { TRACKER_FUZZ_CONFIG, fuzzTracker } from './tracker.js'

function wholeNumber(value: string): number {
  const parsed = Number(value)
  if (!Number.isSafeInteger(parsed) || parsed < 1) throw new InvalidArgumentError('expected a whole number of at least 1')
  return parsed
}

const options = new Command()
  .name('fuzz')
  .option('--count <n>', 'generated inputs per surface', wholeNumber, 10_000)
  .option('--seed <n>', 'seed of the generators (a failure names its seed and input for a rerun)', wholeNumber, Date.now() % 2 ** 31)
  .parse()
  .opts<{ count: number; seed: number }>()

const reports: SurfaceReport[] = []
const origin = await startOrigin({ kind: 'sample' }, { windowSegments: 4, ...TRACKER_FUZZ_CONFIG })
try {
  await origin.whenReady()
  reports.push(await fuzzTracker(origin, options.count, options.seed))
  reports.push(await fuzzHttp(origin, options.count, options.seed))
  reports.push(await fuzzPlaylists(options.count, options.seed))
  reports.push(await fuzzMagnetLines(options.count, options.seed))
} finally {
  await origin.stop()
}
const table = formatReports(reports)
await mkdir('bench/results', { recursive: true })
await writeFile('bench/results/fuzz.json', `${JSON.stringify({ date: new Date().toISOString(), reports }, null, 2)}\n`)
process.stdout.write(`${table}\n\nwritten to bench/results/fuzz.json\n`)
