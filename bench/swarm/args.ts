import { Command, InvalidArgumentError } from 'commander'
import { MODE_NAMES, type ModeName } from './modes/index.js'
import { DEFAULT_SEGMENT_SECONDS, LOW_LATENCY_SEGMENT_SECONDS } from './stream.js'

export interface BenchArgs {
  viewers: number
  /** Seconds each mode runs, from its first viewer's start to the end of the measurement. */
  duration: number
  /** Milliseconds between two viewers' starts. */
  stagger: number
  /** Length of the live stream's segments (s): 1 and 2 run the plain-HLS case close to the live edge. */
  segmentSeconds: number
  /** The source is a real-time LL-HLS upstream and every player runs hls.js in lowLatencyMode. */
  lowLatency: boolean
  /** The source is a live 3-rendition ladder (test/support/ladder.ts), and the report adds what each player selected. */
  ladder: boolean
  modes: ModeName[]
  /** Rebuild dist/browser (npm run build:browser) before running. */
  build: boolean
  /** Where the JSON and the chart go. */
  out: string
  /** Seconds to wait, before each mode, for other processes on the machine to calm down (0: do not wait). */
  quietWait: number
  /** Keep the viewers' HTTP cache on (the default turns it off, see viewers.ts). */
  httpCache: boolean
  /** Measure return visits: each viewer has been on the page once before (its service worker installed). */
  returnVisit: boolean
  /** Update bench/RESULTS.md with this run's tables. */
  writeResultsMd: boolean
}

/** What a --mode value selects: a family name picks all its variants. */
const MODE_ALIASES: Record<string, ModeName[]> = {
  http: ['http'],
  'live-torrent': ['live-torrent-sw', 'live-torrent-loader'],
  'p2p-media-loader': ['p2pml', 'p2pml-no-interstitials', 'p2pml-no-worker'],
  p2pml: ['p2pml'],
}

function positiveInt(max: number) {
  return (value: string): number => {
    const n = Number(value)
    if (!Number.isInteger(n) || n < 1 || n > max) throw new InvalidArgumentError(`a whole number from 1 to ${max}`)
    return n
  }
}

function nonNegativeInt(value: string): number {
  const n = Number(value)
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('a whole number >= 0')
  return n
}

function collectModes(value: string, previous: ModeName[] | undefined): ModeName[] {
  const picked = [...(previous ?? [])]
  for (const part of value.split(',').map((p) => p.trim())) {
    const names = MODE_ALIASES[part] ?? (MODE_NAMES.includes(part as ModeName) ? [part as ModeName] : null)
    if (!names) throw new InvalidArgumentError(`one of ${[...Object.keys(MODE_ALIASES), ...MODE_NAMES].join(', ')}`)
    for (const name of names) if (!picked.includes(name)) picked.push(name)
  }
  return picked
}

export function parseArgs(argv: string[]): BenchArgs {
  const program = new Command('bench:swarm')
    .description(
      'Swarm benchmark: an origin on a live 360p stream, N headless Chromium viewers per mode, one mode after the other.\n' +
        'Measures offload (origin side and client side), startup, stalls, live latency and P2P delivery times.',
    )
    .option('-n, --viewers <n>', 'viewers per mode (separate browser contexts)', positiveInt(12), 4)
    .option('-d, --duration <seconds>', 'seconds each mode runs, from its first viewer on', positiveInt(3600), 90)
    .option('-s, --stagger <ms>', 'milliseconds between two viewers joining', nonNegativeInt, 4000)
    .option(
      '--segment-seconds <s>',
      'segment length of the live stream (1 or 2: close to the live edge)',
      positiveInt(10),
      DEFAULT_SEGMENT_SECONDS,
    )
    .option(
      '--low-latency',
      'play a real-time LL-HLS source (1 s parts, 4 s segments; test/support/ll-upstream.ts) with hls.js lowLatencyMode',
      false,
    )
    .option(
      '--ladder',
      'play a live 3-rendition ladder (540p 2000k / 360p 900k / 240p 300k, one audio group) and report the bitrates the players select and the share per rendition',
      false,
    )
    .option(
      '-m, --mode <mode>',
      `mode(s) to run, repeatable or comma-separated: http, live-torrent (= live-torrent-sw + live-torrent-loader), ` +
        `p2p-media-loader (= p2pml + p2pml-no-interstitials + p2pml-no-worker), or one of ${MODE_NAMES.join(', ')}; default: all, in that order`,
      collectModes,
    )
    .option(
      '--quiet-wait <seconds>',
      'before each mode, wait up to this long for other processes to use < 25 % of the machine',
      nonNegativeInt,
      120,
    )
    .option('--http-cache', "keep the viewers' HTTP cache on (fragments loaded again may then come from the cache)", false)
    .option(
      '--return-visit',
      'measure return visits: each viewer opens the page once first (its service worker installs and takes control), closes it, and is measured on its next visit',
      false,
    )
    .option('--no-build', 'do not rebuild the browser bundles (dist/browser) first')
    .option('--out <dir>', 'folder for swarm.json and swarm.svg', 'bench/results')
    .option('--no-results-md', 'do not update bench/RESULTS.md')
    .addHelpText('after', '\nExample: npm run bench:swarm -- --viewers 4 --duration 90')
  program.parse(argv, { from: 'user' })
  const opts = program.opts<{
    viewers: number
    duration: number
    stagger: number
    segmentSeconds: number
    lowLatency: boolean
    ladder: boolean
    mode?: ModeName[]
    build: boolean
    out: string
    resultsMd: boolean
    quietWait: number
    httpCache: boolean
    returnVisit: boolean
  }>()
  if (opts.ladder && opts.lowLatency) program.error('error: --ladder and --low-latency are two different sources: pick one')
  const modes = opts.mode ?? [...MODE_NAMES]
  // Same order whatever the command line says: the baseline first.
  modes.sort((a, b) => MODE_NAMES.indexOf(a) - MODE_NAMES.indexOf(b))
  return {
    viewers: opts.viewers,
    duration: opts.duration,
    stagger: opts.stagger,
    segmentSeconds: opts.lowLatency ? LOW_LATENCY_SEGMENT_SECONDS : opts.segmentSeconds,
    lowLatency: opts.lowLatency,
    ladder: opts.ladder,
    modes,
    build: opts.build,
    out: opts.out,
    quietWait: opts.quietWait,
    httpCache: opts.httpCache,
    returnVisit: opts.returnVisit,
    writeResultsMd: opts.resultsMd,
  }
}
