/**
 * The simulation section of bench/RESULTS.md (between `<!-- sim -->` and `<!-- /sim -->`), rewritten by each
 * `npm run bench:sim` of the realistic model; bench:swarm keeps it when it rewrites its own sections.
 */
import { readFile, writeFile } from 'node:fs/promises'
import { cpus, totalmem } from 'node:os'
import { simTable } from './report.js'
import type { SimRun } from './run.js'

export const SIM_BLOCK = /<!-- sim -->[\s\S]*?<!-- \/sim -->/

export function simSection(runs: readonly SimRun[], command: string): string {
  const machine = `${cpus().length} cores (${cpus()[0]?.model.trim() ?? 'unknown'}), ${Math.round(totalmem() / 2 ** 30)} GB, Node ${process.version}`
  return [
    '<!-- sim -->',
    '## Simulation: the delivery core for 10 to 10,000 viewers',
    '',
    `- Command: \`${command}\``,
    `- Date: ${new Date().toISOString()}`,
    `- Machine: ${machine}`,
    '- Model: bench/sim/model.ts (every assumption, with its default); the README states them. Each viewer runs the real delivery core (src/client/core).',
    '',
    simTable(runs),
    '<!-- /sim -->',
  ].join('\n')
}

/** Replaces the simulation section, or adds it after the swarm sections (before the column notes). */
export async function updateSimSection(path: string, runs: readonly SimRun[], command: string): Promise<void> {
  const old = await readFile(path, 'utf8').catch(() => '')
  const section = simSection(runs, command)
  let text: string
  if (SIM_BLOCK.test(old)) text = old.replace(SIM_BLOCK, section)
  else if (old.includes('\nColumns:')) text = old.replace('\nColumns:', `\n${section}\n\nColumns:`)
  else text = `${old}\n${section}\n`
  await writeFile(path, text)
}
