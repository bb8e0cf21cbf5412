import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CniError, ErrorCode } from '../../../src/cni/errors.js';
import { explainError, interpretOutcome, PluginError, type ProcessOutcome } from '../../../src/core/conflist/plugin-output.js';

const ok = (stdout: string, extra: Partial<ProcessOutcome> = {}): ProcessOutcome => ({ exitCode: 0, signal: null, stdout, stderr: '', timedOut: false, ...extra });
const site = (command: 'ADD' | 'DEL' | 'CHECK') => ({ command, plugin: { index: 1, type: 'bridge' }, timeoutMs: 5000 });

describe('interpretOutcome', () => {
  test('ADD returns the decoded result', () => {
    assert.deepEqual(interpretOutcome(ok('{"cniVersion":"1.0.0"}\n'), site('ADD')), { cniVersion: '1.0.0' });
  });

  test('ADD with no output is undefined (the runner decides that is an error)', () => {
    assert.equal(interpretOutcome(ok('  \n'), site('ADD')), undefined);
  });

  test('DEL and CHECK ignore stdout, as libcni ExecPluginWithoutResult does', () => {
    assert.equal(interpretOutcome(ok('not json'), site('DEL')), undefined);
    assert.equal(interpretOutcome(ok('{"x":1}'), site('CHECK')), undefined);
  });

  test('ADD printing garbage is code 6 naming the plugin', () => {
    assert.throws(() => interpretOutcome(ok('hello'), site('ADD')), (e: unknown) => e instanceof CniError && e.code === ErrorCode.DecodeFailure && e.msg.includes('type="bridge" (plugins[1])'));
  });

  test('a plugin error is kept verbatim and knows where it came from', () => {
    const out: ProcessOutcome = { exitCode: 1, signal: null, stdout: '{"cniVersion":"1.0.0","code":142,"msg":"pool empty","details":"10.0.0.0/30"}', stderr: '', timedOut: false };
    assert.throws(() => interpretOutcome(out, site('ADD')), (e: unknown) => {
      assert.ok(e instanceof PluginError);
      assert.equal(e.code, 142);
      assert.equal(e.msg, 'pool empty');
      assert.equal(e.details, '10.0.0.0/30');
      assert.deepEqual(e.toJSON(), { code: 142, msg: 'pool empty', details: '10.0.0.0/30' });
      assert.equal(explainError(e), 'plugin type="bridge" (plugins[1]) failed (add): pool empty: 10.0.0.0/30');
      return true;
    });
  });

  test('a failure without CNI error JSON is DelegateFailed with stderr as details', () => {
    const out: ProcessOutcome = { exitCode: 2, signal: null, stdout: '', stderr: 'panic: boom\n', timedOut: false };
    assert.throws(() => interpretOutcome(out, site('DEL')), (e: unknown) => e instanceof CniError && !(e instanceof PluginError) && e.code === ErrorCode.DelegateFailed && /exited with status 2/.test(e.msg) && e.details === 'panic: boom');
  });

  test('a signal is reported as such', () => {
    const out: ProcessOutcome = { exitCode: null, signal: 'SIGSEGV', stdout: '', stderr: '', timedOut: false };
    assert.throws(() => interpretOutcome(out, site('ADD')), (e: unknown) => e instanceof CniError && /killed by SIGSEGV/.test(e.msg));
  });

  test('a timeout says so and how long it waited', () => {
    const out: ProcessOutcome = { exitCode: null, signal: 'SIGKILL', stdout: '', stderr: '', timedOut: true };
    assert.throws(() => interpretOutcome(out, site('ADD')), (e: unknown) => e instanceof CniError && e.code === ErrorCode.DelegateFailed && /timed out \(add\) after 5000 ms/.test(e.msg));
  });
});
