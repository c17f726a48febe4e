// Nothing a step starts outlives it. A process group is not enough: `setsid` leaves it, and a
// double fork leaves the interpreter's children. Every interpreter starts with a marker of its
// own in its environment, which every process it starts inherits (what it execs included), and
// after the step the worker kills every process whose environment carries that marker.
// A process that execs with a cleared environment (`env -i`) escapes; docs/reliability.md.

import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';

/** The environment variable that marks the processes of one step. */
export const STEP_TOKEN_VARIABLE = 'TIDEPOOL_STEP_TOKEN';

/** A fresh marker: each interpreter runs one step, so its marker names that step. */
export function newStepToken(): string {
  return randomBytes(12).toString('hex');
}

/** The processes whose environment carries `token` (zombies have none: they are already dead). */
export function processesMarked(token: string, proc = '/proc'): number[] {
  const needle = Buffer.from(`\0${STEP_TOKEN_VARIABLE}=${token}\0`);
  const found: number[] = [];
  let entries: string[];
  try {
    entries = readdirSync(proc);
  } catch {
    return found; // no /proc (not Linux): the process group kill is all there is
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const environ = Buffer.concat([Buffer.from([0]), readFileSync(`${proc}/${entry}/environ`)]);
      if (environ.includes(needle)) found.push(Number(entry));
    } catch {
      // Gone meanwhile, or another user's process: not one of ours.
    }
  }
  return found;
}

/**
 * Kills every process marked with `token`, round after round until a round finds none: a
 * process may fork between the listing and the kill. Returns how many were killed.
 */
export function sweepStep(token: string, maxRounds = 20): number {
  let killed = 0;
  for (let round = 0; round < maxRounds; round++) {
    const pids = processesMarked(token).filter((pid) => pid !== process.pid);
    if (pids.length === 0) break;
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
        killed++;
      } catch {
        // ESRCH: it ended by itself.
      }
    }
  }
  return killed;
}
