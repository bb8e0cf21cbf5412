// The agent's log: one line per event on stderr, every line carrying the
// node name, so the interleaved output of several agents (the lab, the
// integration tests) stays attributable. key=value fields after the message;
// values with spaces or quotes are JSON-quoted.

export type LogLevel = 'info' | 'warn' | 'error';

export type AgentLog = (level: LogLevel, message: string, fields?: Record<string, unknown>) => void;

function value(v: unknown): string {
  const text = v instanceof Error ? v.message : typeof v === 'string' ? v : JSON.stringify(v) ?? String(v);
  return /^[^\s"=]+$/.test(text) ? text : JSON.stringify(text);
}

export function formatLogLine(now: Date, node: string, level: LogLevel, message: string, fields: Record<string, unknown> = {}): string {
  const kv = Object.entries(fields).filter(([, v]) => v !== undefined).map(([k, v]) => ` ${k}=${value(v)}`).join('');
  return `${now.toISOString()} ${level} podwire-agent node=${node} ${message}${kv}\n`;
}

export function createLog(node: string, write: (line: string) => void, now: () => Date = () => new Date()): AgentLog {
  return (level, message, fields) => write(formatLogLine(now(), node, level, message, fields));
}
