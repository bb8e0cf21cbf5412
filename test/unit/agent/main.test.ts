// runAgent's edge: a bad command line or config file ends with exit 2 and one
// line naming the field, before anything is opened (no netlink, no source).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runAgent, type AgentIo } from '../../../src/agent/main.js';

function io(files: Record<string, string> = {}): AgentIo & { err: string } {
  const out = {
    err: '',
    stderr(text: string) { out.err += text; },
    readFile(path: string) {
      const f = files[path];
      if (f === undefined) throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
      return f;
    },
    stopSignal: new AbortController().signal,
  };
  return out;
}

const CASES: Array<[string, string[], Record<string, string>, RegExp]> = [
  ['missing node name', ['--cluster-cidr', '10.0.0.0/16', '--source-dir', '/x'], {}, /^podwire-agent: nodeName: required\n$/],
  ['bad flag value', ['--node-name', 'n', '--cluster-cidr', '10.0.0.0/16', '--source-dir', '/x', '--vni', 'one'], {}, /--vni: "one" is not an integer/],
  ['unreadable config', ['--config', '/etc/none.json'], {}, /--config: cannot read \/etc\/none.json: ENOENT/],
  ['config not JSON', ['--config', '/c.json'], { '/c.json': '{nodeName:' }, /--config: \/c.json is not JSON/],
  ['config field', ['--config', '/c.json'], { '/c.json': JSON.stringify({ nodeName: 'n', clusterCIDR: '10.0.0.0/16', source: { type: 'file', dir: '/x' }, backend: 'ipip' }) }, /backend: "ipip" is not one of/],
  ['unknown flag', ['--frobnicate'], {}, /argv: Unknown option '--frobnicate'/],
];
for (const [name, argv, files, expected] of CASES) {
  test(`exit 2: ${name}`, async () => {
    const o = io(files);
    assert.equal(await runAgent(argv, o), 2);
    assert.match(o.err, expected);
  });
}

test('--help: usage, exit 0', async () => {
  const o = io();
  assert.equal(await runAgent(['--help'], o), 0);
  assert.match(o.err, /^Usage: podwire-agent/);
});
