#!/usr/bin/env node
import { Command, InvalidArgumentError, Option } from 'commander'
import { SEGMENTS_AT } from '../origin/rendition.js'
import { isMeshTrackerUrl } from '../protocol/mesh-shards.js'
import { serve, type ServeFlags } from './serve.js'
import { packageFeed, type PackageFlags } from './package.js'
import { runTracker, type TrackerFlags } from './tracker.js'

function positiveInt(value: string): number {
  const parsed = Number(value)
  if (!Number.isInteger(parsed) || parsed < 1) throw new InvalidArgumentError('expected a whole number of at least 1')
  return parsed
}

function port(value: string): number {
  const parsed = Number(value)
  if (!Number.isInteger(parsed) || parsed < 0 || parsed > 65535) throw new InvalidArgumentError('expected a port from 0 to 65535')
  return parsed
}

function url(value: string): string {
  try {
    return new URL(value).href
  } catch {
    throw new InvalidArgumentError('expected an absolute URL')
  }
}

/**
 * `--tracker URL` and `--no-tracker` share commander's attribute name `tracker`, so whichever comes last would
 * overwrite the other. They mean different things (extra trackers / no built-in one), so they are collected apart.
 */
const trackerChoice = { builtin: true, extra: [] as string[] }
const addTracker = (value: string): string[] => {
  trackerChoice.extra.push(url(value))
  return trackerChoice.extra
}

/** A repeatable `--tracker URL`, collected in order. */
function trackerUrl(value: string, previous: string[] = []): string[] {
  return [...previous, url(value)]
}

/** `--shard ws://a/announce[,ws://a2/announce]`: one shard per flag, its trackers comma-separated. */
function shard(value: string, previous: string[][] = []): string[][] {
  const urls = value.split(',').map((part) => part.trim())
  for (const part of urls) if (!isMeshTrackerUrl(part)) throw new InvalidArgumentError(`expected ws:// or wss:// tracker URLs, got ${part}`)
  return [...previous, urls]
}

/**
 * The options `serve` and `package` share: how the source is read, how the window is cut, where viewers meet and
 * where they fetch segments. `segmentsHelp` says what `--segments upstream` means for the command.
 */
function feedOptions(command: Command, segmentsHelp: string): Command {
  return command
    .option('-w, --window <segments>', 'segments in a live playlist', positiveInt, 6)
    .option('--loop', 'a finished folder or VOD playlist as an endless live stream', false)
    .option('--ffmpeg <path>', 'ffmpeg binary for video-file sources')
    .option('--shard <trackers>', 'a mesh shard on its own tracker(s), comma-separated (repeatable: viewers split over the shards)', shard)
    .addOption(new Option('--segments <where>', segmentsHelp).choices([...SEGMENTS_AT]).default('origin'))
}

const EXAMPLES = `
Examples:
  live-torrent serve                                   the built-in sample, looped live
  live-torrent serve ./hls                             a folder ffmpeg -f hls writes into
  live-torrent serve ./vod --loop --window 5           a finished folder, looped as live
  live-torrent serve https://example.com/live/master.m3u8
  live-torrent serve movie.mp4 --port 9000             a video file, packaged live by ffmpeg
  live-torrent serve https://example.com/ll.m3u8 --low-latency off   an LL-HLS feed as plain HLS
  live-torrent serve ./hls --public-url https://cdn.example.com/live/ --tracker wss://tracker.example.com
  live-torrent package ./hls ./www --public-url https://live.example.com/ --tracker wss://tracker.example.com/announce
  live-torrent tracker --port 8000 --host 0.0.0.0        the tracker alone
  live-torrent serve ./hls --no-tracker --tracker ws://tracker-a:8000/announce --tracker ws://tracker-b:8000/announce
  live-torrent serve ./hls --shard ws://tracker-a:8000/announce --shard ws://tracker-b:8000/announce   viewers split in two`

const program = new Command()
program
  .name('live-torrent')
  .description('Peer-assisted live video: serve any HLS feed as a P2P-ready feed')
  // `live-torrent --help` is what people type first: show the examples there too, not only under `serve --help`.
  .addHelpText('after', EXAMPLES)

const serveCommand = feedOptions(
  program.command('serve', { isDefault: true }),
  'where viewers fetch segment bytes: origin, or upstream (the source or its CDN; only playlists and torrents from here)',
)
  .description('serve a feed with one torrent per segment, a WebTorrent tracker, and metrics')
  .argument('[source]', 'a folder a packager writes into, a .m3u8 file or URL, or a video file; default: the built-in sample, looped live')
  .option('-p, --port <port>', 'HTTP port', port, 8008)
  .option('--host <host>', 'interface to listen on', '127.0.0.1')
  .option('--public-url <url>', 'base URL viewers use (behind a proxy or CDN); default: the request Host', url)
  .option('--tracker <url>', 'extra tracker URL for every magnet (repeatable)', addTracker)
  .option('--no-tracker', 'do not run the built-in tracker (use only --tracker URLs)')
  .option('--cors <origin>', 'Access-Control-Allow-Origin: *, an origin, or a comma-separated list', '*')
  .option('--min-swarm <viewers>', 'privacy: P2P only once this many viewers watch (no address reaches a peer before)', positiveInt, 1)
  .addOption(
    new Option('--low-latency <mode>', 'LL-HLS sources: on passes parts and blocking reload through, off converts to plain HLS')
      .choices(['on', 'off'])
      .default('on'),
  )
  .addHelpText('after', EXAMPLES)
  .action((source: string | undefined, flags: Omit<ServeFlags, 'trackers' | 'builtinTracker'>) =>
    serve(source, { ...flags, trackers: trackerChoice.extra, builtinTracker: trackerChoice.builtin }),
  )
serveCommand.on('option:no-tracker', () => (trackerChoice.builtin = false))

feedOptions(program.command('package'), 'origin: segment files are written; upstream: playlists name the source URLs (http sources)')
  .description('write the P2P-ready feed (playlists, torrents, segments, player page) into a folder for any static server or CDN')
  .argument('<source>', 'a folder a packager writes into, a .m3u8 file or URL, a video file, or "sample"')
  .argument('<outdir>', 'the output folder (created if missing)')
  .requiredOption('--public-url <url>', 'absolute URL the output folder is served at (magnets and torrents point there)', url)
  .option('--tracker <url>', 'tracker URL for every magnet (repeatable; a standalone `live-torrent tracker`)', trackerUrl)
  .action((source: string, outDir: string, flags: Omit<PackageFlags, 'trackers'> & { tracker?: string[] }) =>
    packageFeed(source === 'sample' ? undefined : source, outDir, { ...flags, trackers: flags.tracker ?? [] }),
  )

program
  .command('tracker')
  .description("run the origin's WebSocket tracker alone (admits any infohash), for serve --no-tracker --tracker URL")
  .option('-p, --port <port>', 'HTTP port (WebSocket upgrades at /announce, metrics at /metrics)', port, 8000)
  .option('--host <host>', 'interface to listen on', '127.0.0.1')
  .option('--min-swarm <viewers>', 'privacy: relay offers only in swarms of at least this many viewers', positiveInt, 1)
  .action((flags: TrackerFlags) => runTracker(flags))

await program.parseAsync()
