// `npm run bench:sim`: the delivery core (src/client/core, the code the browsers run) for simulated audiences of
// 10 to 10,000 viewers over a simulated network (bench/sim/model.ts states every assumption). Writes
// bench/results/sim.json and bench/results/sim.svg, and prints the table.
import { writeFile } from 'node:fs/promises'
import { Command, InvalidArgumentError } from 'commander'
import { DEFAULT_DELIVERY_CONFIG, type DeliveryConfig } from '../src/client/core/config.js'
import { browserBenchParams, defaultParams, type SimParams } from './sim/model.js'
import { simChart, simTable } from './sim/report.js'
import { updateSimSection } from './sim/results-md.js'
import { runSimulation, type SimRun } from './sim/run.js'
import { writeResults } from './stats.js'

const POLICIES = ['rank', 'lottery', 'none'] as const
type Policy = (typeof POLICIES)[number]

function sizes(value: string): number[] {
  const list = value.split(',').map(Number)
  if (!list.every((n) => Number.isInteger(n) && n >= 2 && n <= 100_000))
    throw new InvalidArgumentError('audience sizes from 2 to 100000, comma-separated')
  return list
}

function policies(value: string): Policy[] {
  const list = value.split(',')
  if (!list.every((policy) => (POLICIES as readonly string[]).includes(policy)))
    throw new InvalidArgumentError(`one or more of ${POLICIES.join(', ')}`)
  return list as Policy[]
}

function wholeNumber(value: string): number {
  const n = Number(value)
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('a whole number of at least 1')
  return n
}

const options = new Command('bench:sim')
  .description('Runs the delivery core for simulated audiences; the model is in bench/sim/model.ts')
  .option('--viewers <list>', 'audience sizes', sizes, [10, 100, 1000])
  .option('--duration <s>', 'simulated seconds measured after the joins', wholeNumber, 120)
  .option('--seed <n>', 'seed of the run (joins, upload classes, delays, ranks)', wholeNumber, 1)
  .option('--policy <list>', `firstFetch policies to compare: ${POLICIES.join(', ')}`, policies, ['rank'])
  .option('--calibrate', "this machine's bench:swarm set-up instead (6 viewers joining 5 s apart on loopback)", false)
  .option('--out <dir>', 'where sim.json and sim.svg go', 'bench/results')
  .option('--no-results-md', 'do not update the simulation section of bench/RESULTS.md')
  .parse()
  .opts<{ viewers: number[]; duration: number; seed: number; policy: Policy[]; calibrate: boolean; out: string; resultsMd: boolean }>()

function deliveryWith(policy: Policy): DeliveryConfig {
  return { ...DEFAULT_DELIVERY_CONFIG, firstFetch: { ...DEFAULT_DELIVERY_CONFIG.firstFetch, policy } }
}

const runs: SimRun[] = []
for (const policy of options.policy) {
  for (const viewers of options.calibrate ? [6] : options.viewers) {
    const base: SimParams = options.calibrate ? browserBenchParams(deliveryWith(policy)) : defaultParams(deliveryWith(policy))
    const run = runSimulation({ ...base, viewers, durationSeconds: options.duration, seed: options.seed })
    runs.push(run)
    process.stderr.write(`${policy} x ${viewers}: share ${(run.originShare * 100).toFixed(1)} %, ${run.wallSeconds} s\n`)
  }
}
const name = options.calibrate ? 'sim-calibration' : 'sim'
await writeResults(`${options.out}/${name}.json`, {
  date: new Date().toISOString(),
  model: options.calibrate ? 'bench:swarm on this machine' : 'realistic',
  runs,
})
await writeFile(`${options.out}/${name}.svg`, simChart(runs))
if (!options.calibrate && options.resultsMd) {
  await updateSimSection('bench/RESULTS.md', runs, `npm run bench:sim -- ${process.argv.slice(2).join(' ')}`.trim())
}
process.stdout.write(`${simTable(runs)}\n\nwritten to ${options.out}/${name}.json and ${name}.svg\n`)
