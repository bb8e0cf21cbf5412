// Ending a plugin process once its answer is out. A natural exit tears
// down V8's heap and joins Node's threads (~2-5 ms measured per call), time a
// runtime waits on for every pod. Once stdout is written synchronously and
// every kernel call and file write has returned, nothing is left to flush:
// the 'exit' listeners run (the loader's code-cache writer during warm-up),
// then libc's _exit ends the process. Used only when koffi is already
// loaded, and not under a profiler; otherwise (VERSION, early errors) the
// process exits as usual.
import { koffiLoaded, libcFunction } from '../../kernel/ffi.js';

/** A profiler writes its file during Node's own exit, which _exit would skip. */
const profiling = (): boolean => process.execArgv.some((a) => a.startsWith('--cpu-prof') || a.startsWith('--heap-prof') || a.startsWith('--prof'));

export function finishProcess(code: number): void {
  process.exitCode = code;
  if (!koffiLoaded() || profiling()) return;
  process.emit('exit', code);
  libcFunction<(status: number) => void>('void _exit(int)')(code);
}
