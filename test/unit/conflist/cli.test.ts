import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CniError, ErrorCode } from '../../../src/cni/errors.js';
import { defaultContainerId, parseCniInvocation, resolveNetns } from '../../../src/cli/cni/cni-options.js';
import { UsageError, type CliIo, type Command } from '../../../src/cli/io.js';
import { main } from '../../../src/cli/main.js';

function capture(): CliIo & { out: string; err: string } {
  const io = { env: {}, out: '', err: '', stdout: (t: string) => void (io.out += t), stderr: (t: string) => void (io.err += t) };
  return io;
}

describe('parseCniInvocation', () => {
  test('add with every option', () => {
    const inv = parseCniInvocation([
      'add', 'net', 'pwrc', '--container-id', 'c1', '--ifname', 'net1', '--conf-dir', '/c', '--bin-dir', '/a:/b', '--bin-dir', '/d',
      '--cache-dir', '/k', '--args', 'A=1;B=2', '--capability-args', '{"mac":"x"}', '--timeout', '2.5', '--json',
    ]);
    assert.notEqual(inv, 'help');
    if (inv === 'help') return;
    assert.deepEqual(
      { ...inv },
      {
        verb: 'add', network: 'net', netns: '/run/netns/pwrc', containerId: 'c1', ifname: 'net1', confDir: '/c', binDirs: ['/a', '/b', '/d'],
        cacheDir: '/k', args: [['A', '1'], ['B', '2']], capabilityArgs: { mac: 'x' }, validAttachments: undefined, timeoutMs: 2500, json: true,
      },
    );
  });

  test('libcni defaults and a container ID derived from the netns', () => {
    const inv = parseCniInvocation(['del', 'net', '/proc/1/ns/net']);
    assert.ok(inv !== 'help');
    assert.equal(inv.confDir, '/etc/cni/net.d');
    assert.deepEqual(inv.binDirs, ['/opt/cni/bin']);
    assert.equal(inv.cacheDir, '/var/lib/cni');
    assert.equal(inv.ifname, 'eth0');
    assert.equal(inv.containerId, defaultContainerId('/proc/1/ns/net'));
    assert.match(inv.containerId, /^podwirectl-[0-9a-f]{20}$/);
    assert.equal(inv.args, undefined);
  });

  test('gc takes --valid-attachments and no netns', () => {
    const inv = parseCniInvocation(['gc', 'net', '--valid-attachments', '[{"containerID":"a","ifname":"eth0"}]']);
    assert.ok(inv !== 'help');
    assert.deepEqual(inv.validAttachments, [{ containerID: 'a', ifname: 'eth0' }]);
    assert.equal(inv.netns, '');
  });

  test('netns names resolve under /run/netns, paths and empty stay', () => {
    assert.equal(resolveNetns('pwr1'), '/run/netns/pwr1');
    assert.equal(resolveNetns('/var/run/netns/x'), '/var/run/netns/x');
    assert.equal(resolveNetns(''), '');
  });

  const usage: Array<[string, string[], RegExp]> = [
    ['no verb', [], /missing verb/],
    ['unknown verb', ['up', 'net'], /unknown verb "up"/],
    ['no network', ['add'], /missing NETWORK/],
    ['no netns for add', ['add', 'net'], /missing NETNS/],
    ['netns for status', ['status', 'net', 'ns'], /unexpected argument "ns"/],
    ['extra positional', ['add', 'net', 'ns', 'more'], /unexpected argument "more"/],
    ['unknown option', ['add', 'net', 'ns', '--frob'], /--frob/],
    ['--valid-attachments on del', ['del', 'net', 'ns', '--valid-attachments', '[]'], /applies to gc only/],
    ['--ifname on gc', ['gc', 'net', '--ifname', 'x'], /applies to add, check and del only/],
    ['bad timeout', ['add', 'net', 'ns', '--timeout', '0'], /--timeout/],
  ];
  for (const [name, argv, msg] of usage) {
    test(`usage error: ${name}`, () => assert.throws(() => parseCniInvocation(argv), (e: unknown) => e instanceof UsageError && msg.test(e.message)));
  }

  test('a bad option value is a CniError naming the option', () => {
    assert.throws(() => parseCniInvocation(['add', 'n', 'ns', '--capability-args', '{']), (e: unknown) => e instanceof CniError && e.code === ErrorCode.DecodeFailure && e.msg.startsWith('--capability-args'));
  });

  test('--help', () => assert.equal(parseCniInvocation(['add', '--help']), 'help'));
});

describe('main: subcommand dispatch', () => {
  const seen: string[][] = [];
  const commands: Record<string, Command> = {
    cni: { summary: 'the runner', run: (argv) => (seen.push([...argv]), Promise.resolve(0)) },
    lab: { summary: 'a lab', run: () => Promise.resolve(3) },
  };

  test('--help lists every command with its summary', async () => {
    const io = capture();
    assert.equal(await main(['--help'], io, commands), 0);
    assert.match(io.out, /^\s+cni\s+the runner$/m);
    assert.match(io.out, /^\s+lab\s+a lab$/m);
  });

  test('dispatches the rest of argv and returns the command\'s exit code', async () => {
    const io = capture();
    assert.equal(await main(['cni', 'add', 'x'], io, commands), 0);
    assert.deepEqual(seen.at(-1), ['add', 'x']);
    assert.equal(await main(['lab'], io, commands), 3);
  });

  test('unknown command and no command are usage errors (2)', async () => {
    const io = capture();
    assert.equal(await main(['frob'], io, commands), 2);
    assert.match(io.err, /unknown command "frob"/);
    assert.equal(await main([], capture(), commands), 2);
    assert.equal(await main(['toString'], capture(), commands), 2);
  });

  test('help CMD forwards --help', async () => {
    assert.equal(await main(['help', 'cni'], capture(), commands), 0);
    assert.deepEqual(seen.at(-1), ['--help']);
  });
});
