/**
 * hls.js, from its UMD build rather than the ES module that `import Hls from 'hls.js'` resolves to.
 * Why: `enableWorker` only works when hls.js can start its transmuxer worker. The UMD build carries that worker
 * inline (it re-runs its own source in a Blob worker); the ES module build needs a separately served
 * `workerPath` file, which the origin does not serve, and silently transmuxes on the main thread without it,
 * the same thread that hashes and exchanges P2P pieces. (Measured: 1 worker with this build, 0 with the ESM.)
 */
import type HlsClass from 'hls.js'
// The UMD build's CommonJS export is the Hls class itself; its .d.ts describes it as a module, hence the cast.
import hlsUmd from 'hls.js/dist/hls.js'

const Hls = hlsUmd as unknown as typeof HlsClass
type Hls = HlsClass

export default Hls
