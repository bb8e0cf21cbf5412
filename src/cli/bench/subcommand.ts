// The edge every `podwirectl bench X` subcommand shares: a UsageError is
// bad usage (exit 2, with the usage text), anything else a failure (exit 1);
// the progress line is cleared either way.
import { EXIT_FAILED, EXIT_USAGE, UsageError, type CliIo } from '../io.js';

export async function runBenchSubcommand(
  name: string,
  usage: string,
  io: CliIo,
  progressDone: () => void,
  run: () => Promise<number>,
): Promise<number> {
  try {
    return await run();
  } catch (err) {
    progressDone();
    if (err instanceof UsageError) {
      io.stderr(`podwirectl bench ${name}: ${err.message}\n\n${usage}`);
      return EXIT_USAGE;
    }
    io.stderr(`podwirectl bench ${name}: ${err instanceof Error ? err.message : String(err)}\n`);
    return EXIT_FAILED;
  }
}

/** `--name` as an integer in [min, max], or `dflt` when absent. */
export function intOption(name: string, raw: string | undefined, dflt: number, min: number, max: number): number {
  if (raw === undefined) return dflt;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < min || n > max) throw new UsageError(`--${name}: "${raw}" is not an integer in ${min}-${max}`);
  return n;
}
