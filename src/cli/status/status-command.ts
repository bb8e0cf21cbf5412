// `podwirectl status [--socket PATH] [--json]`: the operator's view of this
// node's podwire-agent, from GET /status on its unix socket. Exit status:
// 0 ready, 1 not ready or unreachable (the message names the socket and what
// is missing), 2 bad command line. --json prints the agent's document as it
// came (after checking it parses), with the same exit status.
import { parseArgs } from 'node:util';
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, type CliIo, type Command } from '../io.js';
import { AgentUnreachable, getFromAgent } from './agent-client.js';
import { missingParts, parseAgentStatus, StatusDocError } from './agent-status.js';
import { formatStatus } from './status-format.js';

/** The agent's default `apiSocket` (`<stateDir>/agent.sock`, docs/agent.md). */
export const DEFAULT_AGENT_SOCKET = '/var/lib/podwire/agent.sock';

export const STATUS_USAGE = `Usage:
  podwirectl status [--socket PATH] [--json]

Asks this node's podwire-agent for its status (GET /status on its unix socket,
default ${DEFAULT_AGENT_SOCKET}) and prints node, backend, pod CIDRs, underlay,
VTEP MAC, MTU, readiness and the peers. Exit status 1 when the agent is not
ready or cannot be reached.
`;

export interface StatusDeps {
  defaultSocket?: string;
  timeoutMs?: number;
}

export function statusCommand(deps: StatusDeps = {}): Command {
  return {
    summary: 'this node\'s podwire-agent: blocks, underlay, readiness, peers',
    async run(argv: readonly string[], io: CliIo): Promise<number> {
      let values;
      try {
        ({ values } = parseArgs({ args: [...argv], options: { socket: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } }));
      } catch (err) {
        io.stderr(`podwirectl status: ${(err as Error).message}\n\n${STATUS_USAGE}`);
        return EXIT_USAGE;
      }
      if (values.help) {
        io.stdout(STATUS_USAGE);
        return EXIT_OK;
      }
      const socket = values.socket ?? deps.defaultSocket ?? DEFAULT_AGENT_SOCKET;
      let raw: unknown;
      let doc;
      try {
        const body = await getFromAgent(socket, '/status', deps.timeoutMs ?? 3000);
        try {
          raw = JSON.parse(body);
        } catch {
          throw new StatusDocError('not JSON');
        }
        doc = parseAgentStatus(raw);
      } catch (err) {
        if (err instanceof AgentUnreachable || err instanceof StatusDocError) {
          io.stderr(`podwirectl status: ${err instanceof StatusDocError ? `agent at ${socket} answered a bad document: ` : ''}${err.message}\n`);
          return EXIT_FAILED;
        }
        throw err;
      }
      io.stdout(values.json ? `${JSON.stringify(raw, null, 2)}\n` : formatStatus(doc, socket));
      if (!doc.ready) {
        const missing = missingParts(doc);
        io.stderr(`podwirectl status: podwire-agent on ${doc.node || '?'} (${socket}) is not ready${missing.length > 0 ? `: waiting for ${missing.join(', ')}` : ''}\n`);
        return EXIT_FAILED;
      }
      return EXIT_OK;
    },
  };
}
