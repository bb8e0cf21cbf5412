// How busy the CPUs were between two readings of /proc/stat (pure): the
// benchmark samples it just before it starts, so a report can say whether
// other work competed for the CPUs (on a veth-only lab every path is
// CPU-bound, so competing work shows directly in the figures). The load
// average is no substitute: it trails by a minute and still counts a
// previous run.

/** The aggregate "cpu" line's busy and total jiffies. */
export function parseProcStat(text: string): { busy: number; total: number } {
  const line = text.split('\n').find((l) => /^cpu\s/.test(l));
  if (line === undefined) throw new Error('/proc/stat: no aggregate cpu line');
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  if (v.length < 4 || v.some((n) => !Number.isFinite(n))) throw new Error('/proc/stat: malformed cpu line');
  // user nice system idle iowait irq softirq steal (guest time is already in user)
  const idle = (v[3] ?? 0) + (v[4] ?? 0);
  const total = v.slice(0, 8).reduce((a, b) => a + b, 0);
  return { busy: total - idle, total };
}

/** Fraction of all CPUs' time spent busy between the two readings (0..1). */
export function busyFraction(before: string, after: string): number {
  const a = parseProcStat(before);
  const b = parseProcStat(after);
  const total = b.total - a.total;
  return total > 0 ? Math.min(1, Math.max(0, (b.busy - a.busy) / total)) : 0;
}
