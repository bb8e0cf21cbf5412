// The process edge shared by every plugin executable: read stdin, hand env,
// stdin and a stdout writer to the skel, set the exit code. Output goes
// through fs.writeSync on fd 1 rather than process.stdout, whose first use
// loads Node's whole stream stack (~2 ms of every plugin start).
import { readFileSync, writeSync } from 'node:fs';
import { CniError, ErrorCode } from '../../cni/errors.js';
import { runSkel, type Plugin } from '../../cni/skel.js';
import { finishProcess } from './exit.js';

export function readStdin(): Buffer {
  try {
    return readFileSync(0);
  } catch {
    // No readable stdin (closed, or a terminal): the skel reports the missing config.
    return Buffer.alloc(0);
  }
}

export function writeStdout(text: string): void {
  const buf = Buffer.from(text);
  let off = 0;
  while (off < buf.length) {
    try {
      off += writeSync(1, buf, off);
    } catch (err) {
      // A non-blocking pipe that is momentarily full: try again.
      if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
    }
  }
}

/** `stdin`: already read by the caller (podwire reads it to decide where the verb runs). */
export function runPluginMain(name: string, plugin: Plugin, stdin: Buffer = readStdin()): void {
  runSkel({ env: process.env, stdin, stdout: writeStdout }, plugin).then(
    (code) => finishProcess(code),
    (err: unknown) => {
      // runSkel reports every error itself; this is the last line of defence.
      writeStdout(JSON.stringify(new CniError(ErrorCode.Internal, `${name}: internal error`, String(err)).toJSON()));
      finishProcess(1);
    },
  );
}
