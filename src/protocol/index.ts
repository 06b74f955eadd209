export * from './magnet-line.js'
export * from './magnet.js'
