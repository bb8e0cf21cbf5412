// The executable's side of the CNI service (docs/cni-service.md): send the
// invocation over the unix socket and return what the service printed. The
// decision that matters is when to run the verb here instead:
// - the socket cannot be connected to (no service on this node, or it is
//   restarting): nothing was sent, so running here is safe;
// - the service refuses (other namespaces, shutting down, another protocol
//   version): it did nothing, same.
// Once a request is sent, the verb may have run in the service, so a lost
// answer is an error (code 11, try again), never a second run here.
import { CniError, ErrorCode } from '../../cni/errors.js';
import { buildRequest, parseResponse } from '../../cni/service-protocol.js';
import { threadNamespaces } from '../../kernel/netns.js';
import { unixExchange } from '../../kernel/unix-stream.js';

export type ServiceOutcome = { exitCode: number; stdout: string } | { fallback: string };

/** Longer than any verb takes; a runtime's own timeout is usually shorter. */
const ANSWER_TIMEOUT_MS = 120_000;

function cniVersionOf(stdin: string): string | undefined {
  try {
    const v = (JSON.parse(stdin) as { cniVersion?: unknown }).cniVersion;
    return typeof v === 'string' ? v : undefined;
  } catch {
    return undefined;
  }
}

export function callService(socketPath: string, env: Readonly<Record<string, string | undefined>>, stdin: string): ServiceOutcome {
  const request = `${JSON.stringify(buildRequest(env, stdin, threadNamespaces()))}\n`;
  try {
    const exchange = unixExchange(socketPath, request, ANSWER_TIMEOUT_MS);
    if ('connectErrno' in exchange) return { fallback: `cannot connect (errno ${exchange.connectErrno})` };
    const response = parseResponse(exchange.reply);
    return 'refused' in response ? { fallback: `refused: ${response.refused}` } : { exitCode: response.exitCode, stdout: response.stdout };
  } catch (err) {
    return {
      exitCode: 1,
      stdout: JSON.stringify(new CniError(ErrorCode.TryAgainLater, `CNI service at ${socketPath} did not answer`, err instanceof Error ? err.message : String(err)).toJSON(cniVersionOf(stdin))),
    };
  }
}
