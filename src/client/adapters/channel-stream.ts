import { Duplex } from 'streamx'

/** Data channel messages above this size are split: browsers differ on the largest message they accept. */
const MAX_MESSAGE_BYTES = 64 * 1024
/** Pause writing while the channel has this much queued; resume when it drains to a quarter. */
const HIGH_WATER_BYTES = 1024 * 1024

/** Messages that arrived on a channel before its stream existed, by channel (see captureEarlyMessages). */
const early = new WeakMap<RTCDataChannel, { messages: ArrayBuffer[]; listener: (event: MessageEvent) => void }>()

/**
 * Starts keeping what arrives on a channel that has no stream yet. A data channel drops a message nobody listens
 * for, and the first message on a segment channel is the other side's BitTorrent handshake, sent as soon as the
 * channel opens: a channel held back (this side's simple-peer not connected yet, or the segment's torrent not
 * added yet) lost it, WebTorrent never made a wire, and two connected viewers exchanged nothing for that segment
 * (found in the six-viewer bench: a viewer got no piece of a segment its neighbours had for 5 s, until its deadline).
 */
export function captureEarlyMessages(channel: RTCDataChannel): void {
  if (early.has(channel)) return
  channel.binaryType = 'arraybuffer'
  const messages: ArrayBuffer[] = []
  const listener = (event: MessageEvent) => {
    if (event.data instanceof ArrayBuffer) messages.push(event.data)
  }
  channel.addEventListener('message', listener)
  early.set(channel, { messages, listener })
}

/**
 * An RTCDataChannel as a duplex byte stream, the shape WebTorrent wants for a WebRTC peer (`id`, `connected`,
 * `remoteAddress`, 'connect' event). simple-peer does the same but only for the one channel it negotiates itself;
 * here every segment's wire gets its own channel on a neighbour's existing connection, so this is hand-written.
 */
export class ChannelStream extends Duplex {
  readonly id: string
  readonly remoteAddress: string
  readonly remotePort = 0
  connected = false
  private readonly channel: RTCDataChannel
  private pendingWrite: (() => void) | null = null

  constructor(channel: RTCDataChannel, id: string, remoteAddress: string) {
    super()
    this.channel = channel
    this.id = id
    this.remoteAddress = remoteAddress
    channel.binaryType = 'arraybuffer'
    channel.bufferedAmountLowThreshold = HIGH_WATER_BYTES / 4
    const captured = early.get(channel)
    if (captured) {
      channel.removeEventListener('message', captured.listener)
      early.delete(channel)
      for (const message of captured.messages) this.push(new Uint8Array(message))
    }
    channel.addEventListener('message', (event) => this.onMessage(event))
    channel.addEventListener('bufferedamountlow', () => this.resumeWrite())
    channel.addEventListener('close', () => this.destroy())
    channel.addEventListener('error', () => this.destroy(new Error(`data channel ${channel.label} failed`)))
    if (channel.readyState === 'open') this.connected = true
    else channel.addEventListener('open', () => this.onOpen(), { once: true })
  }

  private onOpen(): void {
    this.connected = true
    this.emit('connect')
  }

  private onMessage(event: MessageEvent): void {
    if (this.destroying) return
    const data = event.data
    if (data instanceof ArrayBuffer) this.push(new Uint8Array(data))
  }

  override _write(chunk: Uint8Array, callback: (err: Error | null) => void): void {
    if (this.channel.readyState !== 'open') return callback(new Error('data channel is not open'))
    try {
      for (let offset = 0; offset < chunk.length; offset += MAX_MESSAGE_BYTES) {
        // RTCDataChannel.send takes ArrayBuffer-backed views; stream chunks never use shared memory.
        this.channel.send(chunk.subarray(offset, Math.min(chunk.length, offset + MAX_MESSAGE_BYTES)) as Uint8Array<ArrayBuffer>)
      }
    } catch (err) {
      return callback(err instanceof Error ? err : new Error(String(err)))
    }
    if (this.channel.bufferedAmount < HIGH_WATER_BYTES) return callback(null)
    this.pendingWrite = () => callback(null)
  }

  private resumeWrite(): void {
    const pending = this.pendingWrite
    this.pendingWrite = null
    pending?.()
  }

  override _destroy(callback: (err: Error | null) => void): void {
    this.connected = false
    this.resumeWrite()
    if (this.channel.readyState === 'open' || this.channel.readyState === 'connecting') this.channel.close()
    callback(null)
  }
}
