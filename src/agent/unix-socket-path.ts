// Claiming a unix socket path for a server, shared by the agent's API socket
// and its CNI service. The socket file doubles as the "one server per path"
// guard: a socket that accepts a connection belongs to a live server and we
// refuse to start; one that refuses is left over from a killed process and is
// replaced. A path holding anything but a socket is never deleted.
import { mkdirSync, statSync, unlinkSync } from 'node:fs';
import { connect } from 'node:net';
import { dirname } from 'node:path';

export class SocketPathError extends Error {
  constructor(readonly code: 'AgentRunning' | 'NotASocket', message: string) {
    super(message);
    this.name = 'SocketPathError';
  }
}

function accepts(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ path });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/** Makes `path` free to listen on; `field` names the config field in errors, `owner` who would be listening. */
export async function claimSocketPath(path: string, field: string, owner = 'a server'): Promise<void> {
  mkdirSync(dirname(path), { recursive: true, mode: 0o755 });
  const st = statSync(path, { throwIfNoEntry: false });
  if (!st) return;
  if (!st.isSocket()) throw new SocketPathError('NotASocket', `${field}: ${path} exists and is not a socket; not touching it`);
  if (await accepts(path)) throw new SocketPathError('AgentRunning', `${field}: ${owner} is already listening on ${path}`);
  unlinkSync(path);
}

/** Removes the socket file after its server closed (Node usually has). */
export function unlinkSocketPath(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}
