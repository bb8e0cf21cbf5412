// The in-process API (what the main plugin calls) over an in-memory store:
// results, undo on a failed ADD, idempotent DEL, CHECK, GC and STATUS.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CniError, ErrorCode } from '../../../src/cni/errors.js';
import { ipamAdd, ipamCheck, ipamDel, ipamGc, ipamStatus } from '../../../src/plugins/ipam/index.js';
import { cmdFor, memoryDeps, MemoryLeaseStore, netconf } from './helpers.js';

const dual = netconf({ ranges: [[{ subnet: '10.9.0.0/29' }], [{ subnet: 'fd00:9::/125' }]], routes: [{ dst: '0.0.0.0/0' }], resolvConf: '/etc/r.conf' });
const files = { '/etc/r.conf': 'nameserver 10.0.0.53\nsearch svc.local\n' };

async function rejectsWith(p: Promise<unknown>, code: number, message: RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => e instanceof CniError && e.code === code && message.test(e.msg));
}

describe('ipamAdd', () => {
  it('returns one address per set with gateway, routes and DNS, and writes host-local lease files', async () => {
    const store = new MemoryLeaseStore();
    const result = await ipamAdd(cmdFor(dual), memoryDeps(store, files));
    assert.deepEqual(result, {
      cniVersion: '1.1.0',
      ips: [{ address: '10.9.0.2/29', gateway: '10.9.0.1' }, { address: 'fd00:9::2/125', gateway: 'fd00:9::1' }],
      routes: [{ dst: '0.0.0.0/0' }],
      dns: { nameservers: ['10.0.0.53'], search: ['svc.local'] },
    });
    assert.deepEqual([...store.files], [['10.9.0.2', 'c1\r\neth0'], ['fd00:9::2', 'c1\r\neth0']]);
    assert.deepEqual([...store.last], [[0, '10.9.0.2'], [1, 'fd00:9::2']]);
  });

  it('validates before touching the store: bad config or unreadable resolvConf leave nothing', async () => {
    const store = new MemoryLeaseStore();
    store.exists = false;
    await rejectsWith(ipamAdd(cmdFor(netconf({ ranges: [[{ subnet: '10.9.0.0/29', gateway: '10.8.0.1' }]] })), memoryDeps(store)), 7, /^ipam\.ranges\[0\]\[0\]\.gateway: /);
    await rejectsWith(ipamAdd(cmdFor(dual), memoryDeps(store, {})), ErrorCode.IoFailure, /^ipam\.resolvConf: cannot read \/etc\/r\.conf$/);
    assert.equal(store.locks, 0);
    assert.equal(store.exists, false);
  });

  it('undoes the first family when writing the second fails', async () => {
    const store = new MemoryLeaseStore();
    store.failAfter = 1;
    await assert.rejects(ipamAdd(cmdFor(dual), memoryDeps(store, files)), /disk full/);
    assert.equal(store.files.size, 0);
  });

  it('a repeated ADD returns the same addresses and writes nothing new', async () => {
    const store = new MemoryLeaseStore();
    const first = await ipamAdd(cmdFor(dual), memoryDeps(store, files));
    const again = await ipamAdd(cmdFor(dual), memoryDeps(store, files));
    assert.deepEqual(again, first);
    assert.equal(store.files.size, 2);
  });
});

describe('ipamDel', () => {
  it('releases both families, is idempotent, and succeeds for unknown ids and missing directories', async () => {
    const store = new MemoryLeaseStore();
    const deps = memoryDeps(store, files);
    await ipamAdd(cmdFor(dual), deps);
    await ipamAdd(cmdFor(dual, { containerId: 'c2' }), deps);
    await ipamDel(cmdFor(dual, { command: 'DEL' }), deps);
    assert.deepEqual([...store.files.keys()], ['10.9.0.3', 'fd00:9::3']);
    await ipamDel(cmdFor(dual, { command: 'DEL' }), deps);
    await ipamDel(cmdFor(dual, { command: 'DEL', containerId: 'never-added' }), deps);
    assert.equal(store.files.size, 2);
    const empty = new MemoryLeaseStore();
    empty.exists = false;
    await ipamDel(cmdFor(dual, { command: 'DEL' }), memoryDeps(empty));
    assert.equal(empty.locks, 0);
  });
});

describe('ipamCheck', () => {
  it('passes for the ADD result and fails after DEL', async () => {
    const store = new MemoryLeaseStore();
    const deps = memoryDeps(store, files);
    const result = await ipamAdd(cmdFor(dual), deps);
    await ipamCheck(cmdFor({ ...dual, prevResult: result }, { command: 'CHECK' }), deps);
    await ipamDel(cmdFor(dual, { command: 'DEL' }), deps);
    await rejectsWith(ipamCheck(cmdFor({ ...dual, prevResult: result }, { command: 'CHECK' }), deps), ErrorCode.CheckFailed, /^ipam\.ranges\[0\]: no lease for c1 \(eth0\)$/);
  });
});

describe('ipamGc', () => {
  it('releases leases of attachments not in the valid list, and refuses a GC without the list', async () => {
    const store = new MemoryLeaseStore();
    const deps = memoryDeps(store, files);
    for (const id of ['a', 'b', 'c']) await ipamAdd(cmdFor(dual, { containerId: id }), deps);
    await ipamGc(cmdFor({ ...dual, 'cni.dev/valid-attachments': [{ containerID: 'b', ifname: 'eth0' }] }, { command: 'GC' }), deps);
    assert.deepEqual([...store.files.values()], ['b\r\neth0', 'b\r\neth0']);
    await rejectsWith(ipamGc(cmdFor(dual, { command: 'GC' }), deps), 7, /^cni\.dev\/valid-attachments: required for GC$/);
    assert.equal(store.files.size, 2);
    await ipamGc(cmdFor({ ...dual, 'cni.dev/valid-attachments': null }, { command: 'GC' }), deps);
    assert.equal(store.files.size, 0);
  });
});

describe('ipamStatus', () => {
  it('is ready with free addresses, and fails with 50 naming the full set or the unusable directory', async () => {
    const store = new MemoryLeaseStore();
    const deps = memoryDeps(store, files);
    const tiny = netconf({ ranges: [[{ subnet: '10.9.0.0/24' }], [{ subnet: 'fd00:9::/126' }]] });
    await ipamStatus(cmdFor(tiny, { command: 'STATUS' }), deps);
    await ipamAdd(cmdFor(tiny, { containerId: 'a' }), deps);
    await ipamAdd(cmdFor(tiny, { containerId: 'b' }), deps);
    await rejectsWith(ipamStatus(cmdFor(tiny, { command: 'STATUS' }), deps), ErrorCode.PluginNotAvailable, /^no free address in ipam\.ranges\[1\] \(fd00:9::1-fd00:9::3\)$/);
    store.problem = '/x is not writable (EROFS)';
    await rejectsWith(ipamStatus(cmdFor(dual, { command: 'STATUS' }), deps), ErrorCode.PluginNotAvailable, /^ipam\.dataDir: \/x is not writable \(EROFS\)$/);
  });
});
