// Nothing a step started outlives `serve`, even when serve is killed with SIGKILL: this
// server (serve's child, which notices serve's death as its stdin closing) keeps a list of
// the session leaders serve started (the interpreters run detached, one session each) and
// kills their sessions when serve goes. The list is also kept on disk, so that the next
// serve kills what is left should this process have been killed with it. Linux (/proc) only.
import { existsSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';

/** pid, parent, session and start time of a process, from /proc/<pid>/stat. */
function stat(pid) {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name is in parentheses and may hold spaces: fields start after the last ')'.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { pid, ppid: Number(fields[1]), sid: Number(fields[3]), start: fields[19] };
  } catch {
    return undefined;
  }
}

function processes() {
  if (!existsSync('/proc')) return [];
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map((name) => stat(Number(name)))
    .filter((p) => p !== undefined);
}

/** Kills every process in the sessions led by `leaders` ({pid, start}) that still exist. */
export function killSessions(leaders) {
  const alive = new Set(leaders.filter((l) => stat(l.pid)?.start === l.start).map((l) => l.pid));
  if (alive.size === 0) return 0;
  let killed = 0;
  for (const p of processes()) {
    if (!alive.has(p.sid)) continue;
    try {
      process.kill(p.pid, 'SIGKILL');
      killed++;
    } catch {
      // Gone already.
    }
  }
  return killed;
}

/**
 * Watches the session leaders among `parent`'s children every `everyMs`, writing them to
 * `file` (if given) when they change; returns the current list.
 */
export function watchSessions(parent, file, everyMs = 250) {
  let leaders = [];
  let last = '';
  const look = () => {
    const current = processes().filter((p) => p.ppid === parent && p.sid === p.pid);
    // A leader seen once stays listed until it is gone: it may have been re-parented.
    const known = new Map(
      leaders.filter((l) => stat(l.pid)?.start === l.start).map((l) => [l.pid, l])
    );
    for (const p of current) known.set(p.pid, { pid: p.pid, start: p.start });
    leaders = [...known.values()];
    const text = JSON.stringify(leaders);
    if (file && text !== last) {
      writeFileSync(`${file}.tmp`, text);
      renameSync(`${file}.tmp`, file);
    }
    last = text;
  };
  look();
  setInterval(look, everyMs).unref();
  return () => leaders;
}

/** The leaders a previous run listed in `file`, if any. */
export function listedSessions(file) {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return [];
  }
}
