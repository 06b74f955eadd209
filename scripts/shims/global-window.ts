/**
 * Stands in for the `global/window` package (4.4.0, a CommonJS `module.exports = window`) that @videojs/vhs-utils
 * imports, which m3u8-parser brings into the page script, the service worker and the P2P bundle. esbuild wraps a
 * CommonJS default import in a copy of every own property of the exported object; for `window` (or the worker's
 * `self`) that copy took 50-100 ms on the page script's startup path, 130-400 ms with a loaded CPU, before hls.js
 * could run. An ES module default of globalThis is the same object, with nothing copied.
 */
export default globalThis
