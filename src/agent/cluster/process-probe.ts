// Is the process that wrote a lock file still running? On one machine this
// is a perfect failure detector, which is what lets the store break locks of
// dead writers without ever breaking a live one (a stopped or slow writer is
// alive and keeps its lock). A pid alone is not an identity: pids are reused,
// so we pair it with the process start time from /proc/<pid>/stat (field 22,
// in clock ticks since boot). A zombie (state Z or X: killed, not yet reaped)
// counts as dead.
import { readFileSync } from 'node:fs';

export interface ProcessIdentity {
  readonly pid: number;
  /** Start time in clock ticks since boot; "" where /proc is unavailable. */
  readonly start: string;
}

export interface ProcessProbe {
  self(): ProcessIdentity;
  isAlive(id: ProcessIdentity): boolean;
}

type Stat = { state: string; start: string };

function readStat(pid: number): Stat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name (field 2) is in parentheses and may contain spaces and ')'.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { state: fields[0] ?? '', start: fields[19] ?? '' };
}

function signalZero(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as { code?: unknown }).code === 'EPERM';
  }
}

/** The real probe: /proc where available, signal 0 otherwise. */
export function procProbe(): ProcessProbe {
  const hasProc = readStat(process.pid) !== undefined;
  return {
    self: () => ({ pid: process.pid, start: hasProc ? (readStat(process.pid)?.start ?? '') : '' }),
    isAlive(id) {
      if (!Number.isInteger(id.pid) || id.pid <= 0) return false;
      if (!hasProc) return signalZero(id.pid);
      const stat = readStat(id.pid);
      if (!stat || stat.state === 'Z' || stat.state === 'X') return false;
      return id.start === '' || stat.start === id.start;
    },
  };
}
