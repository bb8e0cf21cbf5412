// The pure parts of `bench dataplane`: iperf3's JSON, the ping-pong output,
// /proc/stat, paired ratios and the report, the text table, HOST:PORT.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { busyFraction, parseProcStat } from '../../../src/core/bench/cpu-stat.js';
import {
  buildDataplaneReport, median, pairedRatio, pathSpec, type DataplaneSettings, type PathMeasurements,
} from '../../../src/core/bench/dataplane-report.js';
import { Iperf3Error, parseIperf3Json, parseIperf3Text } from '../../../src/core/bench/iperf3.js';
import { formatPingPongOutput, parsePingPongOutput } from '../../../src/core/bench/ping-pong.js';
import { parseHostPort } from '../../../src/cli/bench/dataplane-command.js';
import { formatDataplaneReport } from '../../../src/cli/bench/dataplane-format.js';

// A real `iperf3 -c ... -t 1 -J` (3.12) report between two namespaces, trimmed to what is read.
const IPERF3_REPORT = `{"start": {"version": "iperf 3.12", "system_info": "Linux vm 6.18.44-fc-v595 #1 SMP PREEMPT_DYNAMIC @0 x86_64"},
 "intervals": [], "end": {"sum_sent": {"start": 0, "end": 1.000127, "seconds": 1.000127, "bytes": 5086380032,
 "bits_per_second": 40685873150.10994, "retransmits": 1217, "sender": true}, "sum_received": {"start": 0, "end": 1.000184,
 "seconds": 1.000184, "bytes": 5086380032, "bits_per_second": 40683554481.97532, "sender": true},
 "cpu_utilization_percent": {"host_total": 99.44627509596766, "host_user": 1.197472568536196, "host_system": 98.2504011558083,
 "remote_total": 68.04133915342116, "remote_user": 3.640420949916718, "remote_system": 64.4007182462953}, "sender_tcp_congestion": "bbr"}}`;

// What iperf3 -J prints when the server is not there (exit status 1).
const IPERF3_REFUSED = `{"start": {"connected": [], "version": "iperf 3.12"}, "intervals": [], "end": {},
 "error": "unable to connect to server: Connection refused"}`;

test('iperf3: the receiver rate, retransmits, CPU and version from a real report', () => {
  const r = parseIperf3Text(IPERF3_REPORT);
  assert.equal(r.bitsPerSecond, 40683554481.97532);
  assert.equal(r.bytes, 5086380032);
  assert.equal(r.seconds, 1.000184);
  assert.equal(r.retransmits, 1217);
  assert.deepEqual(r.cpu, { senderPercent: 99.44627509596766, receiverPercent: 68.04133915342116 });
  assert.equal(r.version, 'iperf 3.12');
});

test('iperf3: errors carry iperf3\'s own text or name the field', () => {
  const cases: Array<[string, RegExp]> = [
    [IPERF3_REFUSED, /^iperf3: unable to connect to server: Connection refused$/],
    ['', /not JSON \(empty output\)/],
    ['iperf3: error - unable to connect', /not JSON \(iperf3: error - unable to connect\)/],
    ['[]', /not an object/],
    ['{"end": {}}', /end\.sum_received: not an object/],
    ['{"end": {"sum_received": {"bytes": 1, "seconds": 1}}}', /end\.sum_received\.bits_per_second: not a non-negative number/],
    ['{"end": {"sum_received": {"bits_per_second": -1, "bytes": 1, "seconds": 1}}}', /bits_per_second/],
  ];
  for (const [text, want] of cases) assert.throws(() => parseIperf3Text(text), (err: unknown) => err instanceof Iperf3Error && want.test(err.message), text);
});

test('iperf3: retransmits and CPU are optional (UDP, no TCP_INFO)', () => {
  const r = parseIperf3Json({ end: { sum_received: { bits_per_second: 1e9, bytes: 125e6, seconds: 1 } } });
  assert.deepEqual([r.retransmits, r.cpu, r.version], [null, null, null]);
});

test('ping-pong output round-trips and is checked', () => {
  assert.deepEqual(parsePingPongOutput(formatPingPongOutput({ rttUs: [18.0004, 20.5] })), { rttUs: [18, 20.5] });
  assert.throws(() => parsePingPongOutput('nope'), /not JSON \(nope\)/);
  assert.throws(() => parsePingPongOutput('{"rttUs": []}'), /rttUs: not a non-empty array/);
  assert.throws(() => parsePingPongOutput('{"rttUs": [1, "2"]}'), /rttUs\[1\]: not a positive number/);
});

test('/proc/stat: busy fraction of all CPUs between two readings', () => {
  const before = 'cpu  100 0 100 800 0 0 0 0 0 0\ncpu0 50 0 50 400 0 0 0 0 0 0\n';
  const after = 'cpu  150 0 150 900 0 0 0 0 0 0\ncpu0 75 0 75 450 0 0 0 0 0 0\n';
  assert.deepEqual(parseProcStat(before), { busy: 200, total: 1000 });
  assert.equal(busyFraction(before, after), 0.5);
  assert.equal(busyFraction(before, before), 0);
  assert.throws(() => parseProcStat('intr 1 2 3\n'), /no aggregate cpu line/);
});

test('median and paired ratios', () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.ok(Number.isNaN(median([])));
  // The machine halves its speed half-way: unpaired medians would mix the two
  // regimes, pairing by round keeps the path at 90% of the baseline.
  const base = [40, 40, 20, 20];
  const path = [36, 36, 18, 18];
  assert.ok(Math.abs(pairedRatio(path, base) - 0.9) < 1e-12);
  assert.throws(() => pairedRatio([1], [1, 2]), /1 runs against 2 baseline runs/);
});

const SETTINGS: DataplaneSettings = {
  backends: ['vxlan', 'routed'], durationSeconds: 2, rounds: 2, streams: 1, pingPong: { count: 3, payloadBytes: 64 }, iperf3: 'iperf 3.12',
};

function measured(): PathMeasurements[] {
  const runs = (...gbps: number[]) => gbps.map((g) => ({ bitsPerSecond: g * 1e9, retransmits: 10, cpu: { senderPercent: 99, receiverPercent: g } }));
  return [
    { spec: pathSpec('underlay', null, 1500), throughput: runs(40, 30), rttUs: [20, 20, 40] },
    { spec: pathSpec('same-node', 'vxlan', 1450), throughput: runs(40, 30), rttUs: [20, 20, 30] },
    { spec: pathSpec('cross-node-vxlan', 'vxlan', 1450), throughput: runs(36, 24), rttUs: [30, 30, 50] },
    { spec: pathSpec('cross-node-routed', 'routed', 1500), throughput: [{ bitsPerSecond: 38.8e9, retransmits: null, cpu: null }, { bitsPerSecond: 29.4e9, retransmits: 3, cpu: null }], rttUs: [25, 25, 40] },
  ];
}

test('report: paired ratios, the issue\'s aims, latency against the underlay', () => {
  const r = buildDataplaneReport(SETTINGS, { kernel: '6.18', cpus: 2, cpuBusyBefore: 0.05 }, measured());
  const by = Object.fromEntries(r.paths.map((p) => [p.id, p]));
  assert.deepEqual(r.paths.map((p) => p.id), ['underlay', 'same-node', 'cross-node-vxlan', 'cross-node-routed']);
  assert.equal(by.underlay?.ratio, 1);
  assert.equal(by.underlay?.aimMet, null);
  assert.deepEqual(by.underlay?.throughput, {
    gbps: 35, minGbps: 30, maxGbps: 40, runsGbps: [40, 30], retransmits: 20, senderCpuPercent: 99, receiverCpuPercent: 35,
  });
  // vxlan: 36/40 = 0.9 and 24/30 = 0.8, median 0.85: exactly the aim.
  assert.ok(Math.abs((by['cross-node-vxlan']?.ratio ?? 0) - 0.85) < 1e-9);
  assert.equal(by['cross-node-vxlan']?.aim, 0.85);
  assert.equal(by['cross-node-vxlan']?.aimMet, true);
  // routed: 0.97 and 0.98 → 0.975 ≥ 0.95; a round without TCP_INFO makes the retransmit total unknown.
  assert.equal(by['cross-node-routed']?.aimMet, true);
  assert.equal(by['cross-node-routed']?.throughput.retransmits, null);
  assert.equal(by['cross-node-routed']?.throughput.senderCpuPercent, null);
  assert.equal(by['cross-node-vxlan']?.latency.p50, 30);
  assert.equal(by['cross-node-vxlan']?.latencyRatio, 1.5);
  // The baseline went from 40 to 30 Gbit/s: said, but the machine was idle before.
  assert.equal(r.warnings.length, 1);
  assert.match(r.warnings[0] ?? '', /^the underlay baseline varied 1\.33x/);
});

test('report: a missed aim, a noisy baseline and a busy machine are said', () => {
  const m = measured();
  const vxlan = m[2] as PathMeasurements;
  vxlan.throughput = [{ bitsPerSecond: 30e9, retransmits: 0, cpu: null }, { bitsPerSecond: 22e9, retransmits: 0, cpu: null }];
  const r = buildDataplaneReport(SETTINGS, { kernel: '6.18', cpus: 2, cpuBusyBefore: 0.6 }, m);
  assert.equal(r.paths[2]?.aimMet, false);
  assert.equal(r.warnings.length, 2);
  assert.match(r.warnings[0] ?? '', /baseline varied 1\.33x across rounds \(30\.0-40\.0 Gbit\/s\)/);
  assert.match(r.warnings[1] ?? '', /60% busy before the run/);
  assert.throws(() => buildDataplaneReport(SETTINGS, { kernel: '', cpus: 2, cpuBusyBefore: 0 }, m.slice(1)), /underlay baseline is missing/);
});

test('table: one aligned row per path, aims and warnings in words', () => {
  const m = measured();
  const text = formatDataplaneReport(buildDataplaneReport(SETTINGS, { kernel: '6.18', cpus: 2, cpuBusyBefore: 0.6 }, m));
  const lines = text.split('\n');
  assert.match(lines[0] ?? '', /^Dataplane benchmark: 2 rounds x 2 s of TCP per path \(iperf3, 1 stream\), 3 x 64 B TCP ping-pong per round$/);
  assert.match(lines[1] ?? '', /iperf 3\.12; kernel 6\.18, 2 CPUs, 60% busy before the run/);
  const header = lines.findIndex((l) => l.startsWith('path '));
  const table = lines.slice(header, header + 6);
  assert.match(table[1] ?? '', /^-+( +-+)+$/);
  assert.deepEqual(table.slice(2).map((l) => l.split(/\s{2,}/)[0]), ['node → node (underlay)', 'pod → pod, same node', 'pod → pod, across nodes', 'pod → pod, across nodes']);
  // Right-aligned figures end in the same column on every row.
  const gbpsEnd = (table[0] ?? '').indexOf('Gbit/s') + 'Gbit/s'.length;
  for (const row of table.slice(2)) assert.match(row.slice(gbpsEnd - 5, gbpsEnd), /^\d+\.\d\d$/, row);
  assert.match(table[2] ?? '', /100\.0%/);
  assert.match(table[4] ?? '', /vxlan +1450 +30\.00 +24\.0-36\.0 +20 +99\/30 +85\.0% +≥85% met +30\.0 +50\.0 +150\.0%/);
  assert.match(table[5] ?? '', /routed +1500 .* - +- +97\.5% +≥95% met/);
  assert.ok(lines.some((l) => l.startsWith('warning: the CPUs were 60% busy')));
});

test('HOST:PORT for the ping-pong probe', () => {
  assert.deepEqual(parseHostPort('10.244.1.2:80'), { host: '10.244.1.2', port: 80 });
  assert.deepEqual(parseHostPort('[fd00::1]:8080'), { host: 'fd00::1', port: 8080 });
  for (const bad of ['10.244.1.2', '10.244.1.2:0', '10.244.1.2:70000', 'fd00::1:80', ':80']) assert.throws(() => parseHostPort(bad), /is not HOST:PORT/, bad);
});
