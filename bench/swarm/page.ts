/**
 * What runs inside each viewer's page. The recorder (plain JS: bench/ is compiled for Node, this runs in Chromium)
 * is loaded by every mode's page after hls.js and before the mode's own start script. It records, with the same
 * code in every mode:
 *  - startup: performance.now() (0 = navigation start) at the first 'playing' event;
 *  - stalls: 'waiting' events after the first frame (not while seeking) and how long until 'playing' again;
 *  - live latency: hls.latency sampled every second after the first frame;
 *  - bytes the player was handed: the byte length of each fragment in the fragment loader's callbacks, wrapped
 *    around whatever fLoader the mode installed (hls.js transfers the payload to its worker before FRAG_LOADED,
 *    so that is where the length can still be read);
 *  - the client's own count of bytes from peers and over HTTP, and per segment when it completed from peers.
 * The Node side reads window.__bench.snapshot() (cheap, every couple of seconds) and window.__bench.final().
 */

/** Hls config every mode starts from: what the product's player page (src/player/playback.ts) uses. */
import type { ModeEnv } from './modes/index.js'
import { SELECTED_BITRATE_JS, type PlayedFragment } from '../../test/support/ladder.js'

/** The player page's own hls.js settings (src/player/playback.ts), for every mode alike. */
export const BASE_HLS_CONFIG = { enableWorker: true, lowLatencyMode: false, maxLiveSyncPlaybackRate: 1.1 }

export const RECORDER_JS = `
(() => {
  ${SELECTED_BITRATE_JS}
  const video = document.querySelector('video');
  const s = {
    kind: 'http', path: null, loadSourceAt: null, firstFrameAt: null, firstFrameTime: null, firstNeighbourAt: null,
    stalls: 0, stallMs: 0, stallStart: null, latencies: [], frags: 0, fragBytes: 0, uniqueFrags: 0, uniqueBytes: 0,
    played: 0, lastTime: null, seen: new Set(),
    errors: [], fatal: 0, restarts: 0, segs: [], frozen: false, hls: null,
    lt: null, p2pml: null, playedFrags: [], renditionBytes: {}, peerBytesByHash: {},
  };
  const now = () => performance.now();
  // When a service worker took control of the page (0: it did at navigation, a return visit).
  s.controlledAt = null;
  if ('serviceWorker' in navigator) {
    if (navigator.serviceWorker.controller) s.controlledAt = 0;
    navigator.serviceWorker.addEventListener('controllerchange', () => { if (s.controlledAt === null) s.controlledAt = now(); });
  }
  // Where the startup went, ms after navigation start: the first response of each kind to arrive (resource
  // timing's responseEnd, which covers requests the worker answered too), and the page's own milestones.
  function startupBreakdown() {
    const entries = performance.getEntriesByType('resource');
    const firstEnd = (pattern) => {
      const ends = entries.filter((e) => pattern.test(new URL(e.name).pathname)).map((e) => e.responseEnd);
      return ends.length ? Math.round(Math.min(...ends)) : null;
    };
    return {
      pageScriptMs: firstEnd(/live-torrent(-hlsjs)?\.m?js$/), hlsjsMs: firstEnd(/hls(\.min)?\.js$/),
      workerControlMs: s.controlledAt === null ? null : Math.round(s.controlledAt),
      loadSourceMs: s.loadSourceAt === null ? null : Math.round(s.loadSourceAt),
      playlistMs: firstEnd(/\.m3u8?$/i), firstSegmentMs: firstEnd(/\.(ts|m4s|mp4|m4a|aac)$/i),
      firstFrameMs: s.firstFrameAt === null ? null : Math.round(s.firstFrameAt),
      firstNeighbourMs: s.firstNeighbourAt === null ? null : Math.round(s.firstNeighbourAt),
    };
  }
  const note = (msg) => { if (s.errors.length < 20) s.errors.push(String(msg).slice(0, 1200)); };
  window.addEventListener('error', (e) => note('error: ' + e.message));
  window.addEventListener('unhandledrejection', (e) => note('unhandledrejection: ' + (e.reason && e.reason.message || e.reason)));

  video.addEventListener('playing', () => {
    if (s.firstFrameAt === null) { s.firstFrameAt = now(); s.firstFrameTime = video.currentTime; }
    if (s.stallStart !== null) { s.stallMs += now() - s.stallStart; s.stallStart = null; }
  });
  video.addEventListener('waiting', () => {
    if (s.firstFrameAt === null || video.seeking || s.stallStart !== null || s.frozen) return;
    s.stalls++; s.stallStart = now();
  });
  // Seconds of media actually played: the sum of small forward steps of currentTime, so that a fresh hls.js
  // instance (which starts a new timeline) or a seek does not distort it.
  video.addEventListener('timeupdate', () => {
    const t = video.currentTime;
    if (s.lastTime !== null && !s.frozen && s.firstFrameAt !== null) {
      const step = t - s.lastTime;
      if (step > 0 && step < 2) s.played += step;
    }
    s.lastTime = t;
  });
  video.addEventListener('emptied', () => { s.lastTime = null; });
  video.addEventListener('error', () => note('video error ' + (video.error && video.error.code) + ' ' + (video.error && video.error.message)));
  setInterval(() => {
    const hls = s.hls;
    if (!hls || s.firstFrameAt === null || s.frozen) return;
    const latency = hls.latency;
    if (Number.isFinite(latency) && latency > 0) s.latencies.push(latency);
  }, 1000);

  function countFragments(hls) {
    const Base = hls.config.fLoader || hls.config.loader;
    hls.config.fLoader = class extends Base {
      load(context, config, callbacks) {
        // hls.js loaders (and p2p-media-loader's) hand the whole payload to onProgress, then to onSuccess; either
        // may find it already transferred to hls.js's worker (byteLength 0), so the larger length seen counts.
        let progressBytes = 0;
        const wrapped = { ...callbacks, onSuccess: (response, stats, ctx, details) => {
          const data = response && response.data;
          const bytes = Math.max(progressBytes, data && typeof data.byteLength === 'number' ? data.byteLength : 0);
          if (!s.frozen) {
            // Every load counts (the browser cache is off, so each one crossed the network); a fragment loaded
            // again (after an hls.js restart, a seek back) is also noted apart.
            const key = ctx.url + (ctx.rangeEnd ? '@' + ctx.rangeStart + '-' + ctx.rangeEnd : '');
            s.frags++; s.fragBytes += bytes;
            if (!s.seen.has(key)) { s.seen.add(key); s.uniqueFrags++; s.uniqueBytes += bytes; }
            const frag = ctx.frag, level = frag && hls.levels[frag.level];
            const rendition = !frag || frag.type === 'audio' || !level || !level.height ? 'audio' : level.height + 'p';
            s.renditionBytes[rendition] = (s.renditionBytes[rendition] || 0) + bytes;
          }
          callbacks.onSuccess(response, stats, ctx, details);
        } };
        if (callbacks.onProgress) wrapped.onProgress = (stats, ctx, data, details) => {
          if (data && typeof data.byteLength === 'number') progressBytes = Math.max(progressBytes, data.byteLength);
          callbacks.onProgress(stats, ctx, data, details);
        };
        super.load(context, config, wrapped);
      }
    };
  }

  // The same start and recovery as the product's player page (src/player/playback.ts): play on MANIFEST_PARSED,
  // retry network errors after 1 s, recoverMediaError() for media errors, and for anything else a fresh hls.js
  // instance after 3 s. create() makes (and wires) a new instance each time.
  function start(create, url) {
    const hls = create();
    s.hls = hls;
    countFragments(hls);
    watchSelectedBitrate(hls, s.playedFrags, () => !s.frozen);
    hls.on(Hls.Events.ERROR, (_e, d) => {
      if (!d.fatal || s.hls !== hls) return;
      s.fatal++;
      const err = d.error || d.err;
      note('hls fatal ' + d.type + ': ' + d.details + (d.event ? ' in ' + d.event : '') + (err ? ': ' + (err.stack || err.message || err) : ''));
      if (d.type === Hls.ErrorTypes.NETWORK_ERROR) setTimeout(() => (hls.levels.length ? hls.startLoad() : hls.loadSource(url)), 1000);
      else if (d.type === Hls.ErrorTypes.MEDIA_ERROR) hls.recoverMediaError();
      else {
        s.restarts++;
        // The viewer sees the picture stop until the fresh instance plays: that is a stall.
        if (s.firstFrameAt !== null && s.stallStart === null) { s.stalls++; s.stallStart = now(); }
        hls.destroy();
        setTimeout(() => { if (!s.frozen) start(create, url); }, 3000);
      }
    });
    hls.on(Hls.Events.MANIFEST_PARSED, () => video.play().catch(() => {}));
    if (s.loadSourceAt === null) s.loadSourceAt = now();
    hls.loadSource(url);
    hls.attachMedia(video);
  }

  // live-torrent: its stats object, and per segment the time its last verified peer bytes arrived.
  function watchLiveTorrent(api) {
    s.kind = 'live-torrent';
    s.lt = api;
    api.events.on('peers', ({ peers }) => { if (peers > 0 && s.firstNeighbourAt === null) s.firstNeighbourAt = now(); });
    const lastPeerBytesAt = new Map();
    api.events.on('peer-bytes', ({ infoHash, bytes }) => {
      lastPeerBytesAt.set(infoHash, Date.now());
      if (!s.frozen) s.peerBytesByHash[infoHash] = (s.peerBytesByHash[infoHash] || 0) + bytes;
    });
    api.events.on('segment', ({ infoHash, source, waitedMs }) => {
      if (s.frozen) return;
      s.segs.push({ id: infoHash, source, completedAt: source === 'peers' ? (lastPeerBytesAt.get(infoHash) || Date.now()) : null, handedAt: Date.now(), waitedMs });
    });
  }

  // p2p-media-loader: its core events (onChunkDownloaded with 'http' | 'p2p', onSegmentLoaded).
  function watchP2pml(engine) {
    s.kind = 'p2pml';
    const c = s.p2pml = s.p2pml || { http: 0, p2p: 0, uploaded: 0, peers: new Set() };
    c.peers = new Set();
    engine.addEventListener('onChunkDownloaded', (bytes, source) => { if (!s.frozen) { if (source === 'p2p') c.p2p += bytes; else c.http += bytes; } });
    engine.addEventListener('onChunkUploaded', (bytes) => { if (!s.frozen) c.uploaded += bytes; });
    engine.addEventListener('onPeerConnect', (d) => c.peers.add(d.peerId));
    engine.addEventListener('onPeerClose', (d) => c.peers.delete(d.peerId));
    engine.addEventListener('onSegmentLoaded', (d) => {
      if (s.frozen) return;
      const p2p = d.downloadSource === 'p2p';
      s.segs.push({ id: d.segmentUrl, source: p2p ? 'peers' : 'http', completedAt: p2p ? Date.now() : null, handedAt: Date.now(), waitedMs: null });
    });
  }

  function client() {
    if (s.kind === 'live-torrent') {
      const st = s.lt.stats;
      return { peers: st.bytesFromPeers, http: st.bytesFromHttp, uploaded: st.bytesUploaded, neighbours: st.peers, fallbacks: st.fallbacks, clientStalls: st.stalls };
    }
    if (s.kind === 'p2pml') {
      const c = s.p2pml;
      return { peers: c.p2p, http: c.http, uploaded: c.uploaded, neighbours: c.peers.size, fallbacks: null, clientStalls: null };
    }
    return { peers: 0, http: s.fragBytes, uploaded: 0, neighbours: 0, fallbacks: null, clientStalls: null };
  }

  function snapshot() {
    const stalledFor = s.stallStart !== null ? now() - s.stallStart : 0;
    return {
      path: s.path, kind: s.kind,
      startupMs: s.firstFrameAt, loadSourceAtMs: s.loadSourceAt,
      playedSeconds: s.played,
      stalls: s.stalls, stallMs: s.stallMs + stalledFor,
      latency: s.latencies.length ? s.latencies[s.latencies.length - 1] : null,
      frags: s.frags, fragBytes: s.fragBytes, uniqueFrags: s.uniqueFrags, uniqueBytes: s.uniqueBytes, fatal: s.fatal, restarts: s.restarts,
      client: client(),
    };
  }

  window.__bench = {
    start, watchLiveTorrent, watchP2pml, snapshot,
    setPath: (path) => { s.path = path; },
    note,
    // End of the measurement: stop loading and freeze every count, so the origin's count and the pages' counts
    // cover the same requests.
    freeze: () => { if (s.hls) s.hls.stopLoad(); s.frozen = true; return snapshot(); },
    final: () => ({
      ...snapshot(),
      latencies: s.latencies, segs: s.segs, errors: s.errors,
      played: s.playedFrags, renditionBytes: s.renditionBytes, peerBytesByHash: s.peerBytesByHash,
      startupBreakdown: startupBreakdown(),
      liveSyncDurationCount: s.hls ? s.hls.config.liveSyncDurationCount : null,
      maxBufferLength: s.hls ? s.hls.config.maxBufferLength : null,
    }),
  };
})();
`

export interface PageOptions {
  title: string
  /** Scripts before hls.js (e.g. the live-torrent page script and its config). */
  head?: string
  /** Scripts after hls.js, before the recorder (e.g. the p2p-media-loader bundle). */
  libs?: string
  /** The mode's start code: calls __bench.start(() => new Hls(...), PLAYLIST_URL). */
  start: string
  env: ModeEnv
}

/** The player page's settings for the run's source: in low-latency mode without the catch-up (src/player/playback.ts). */
function hlsConfigFor(env: ModeEnv): Record<string, unknown> {
  return env.lowLatency ? { ...BASE_HLS_CONFIG, lowLatencyMode: true, maxLiveSyncPlaybackRate: 1 } : BASE_HLS_CONFIG
}

/** A lean page for one mode: one muted <video>, hls.js, the recorder and the mode's start script. */
export function benchPage(opts: PageOptions): string {
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>${opts.title}</title><link rel="icon" href="data:,"></head>
<body>
<video muted autoplay playsinline width="640" height="360"></video>
${opts.head ?? ''}
<script src="/hls.min.js"></script>
${opts.libs ?? ''}
<script src="/bench-recorder.js"></script>
<script>
const PLAYLIST_URL = ${JSON.stringify(opts.env.playlistUrl)};
const BASE_HLS_CONFIG = ${JSON.stringify(hlsConfigFor(opts.env))};
${opts.start}
</script>
</body></html>
`
}

/** Per-viewer counts the page keeps (window.__bench.snapshot()). */
export interface PageSnapshot {
  path: string | null
  kind: 'http' | 'live-torrent' | 'p2pml'
  startupMs: number | null
  loadSourceAtMs: number | null
  playedSeconds: number
  stalls: number
  stallMs: number
  latency: number | null
  /** Fragments the player loaded, and their bytes (every load, repeats included). */
  frags: number
  fragBytes: number
  /** Distinct fragments (each segment once per viewer), and their bytes. */
  uniqueFrags: number
  uniqueBytes: number
  fatal: number
  /** Fresh hls.js instances after fatal errors that hls.js cannot recover from. */
  restarts: number
  client: {
    peers: number
    http: number
    uploaded: number
    neighbours: number
    fallbacks: number | null
    clientStalls: number | null
  }
}

export interface PageSegment {
  /** live-torrent: infohash; p2p-media-loader: segment URL. */
  id: string
  source: 'peers' | 'http' | 'mixed'
  /** Date.now() when the segment was complete from peers (null unless source is 'peers'). */
  completedAt: number | null
  handedAt: number
  waitedMs: number | null
}

/** Where a viewer's startup went: ms after navigation start (null: did not happen, or no such request). */
export interface StartupBreakdown {
  /** The live-torrent page script arrived (live-torrent modes). */
  pageScriptMs: number | null
  hlsjsMs: number | null
  /** A service worker took control (0: at navigation, a return visit). */
  workerControlMs: number | null
  /** hls.loadSource() was called. */
  loadSourceMs: number | null
  /** The first playlist, then the first media segment, arrived. */
  playlistMs: number | null
  firstSegmentMs: number | null
  firstFrameMs: number | null
  /** live-torrent: the first neighbour (WebRTC connection to another viewer) connected. */
  firstNeighbourMs: number | null
}

export interface PageFinal extends PageSnapshot {
  startupBreakdown: StartupBreakdown
  latencies: number[]
  segs: PageSegment[]
  errors: string[]
  liveSyncDurationCount: number | null
  maxBufferLength: number | null
  /** Every fragment that started playing, with its level's bitrate. */
  played: PlayedFragment[]
  /** Fragment bytes the player was handed, by rendition ('<height>p', 'audio'). */
  renditionBytes: Record<string, number>
  /** live-torrent: verified peer bytes per segment infohash. */
  peerBytesByHash: Record<string, number>
}
