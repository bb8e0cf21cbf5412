// `bench dataplane` as text (pure): a header with the settings and the
// machine, one aligned row per path, the aims and the warnings.
import type { DataplaneReport, PathResult } from '../../core/bench/dataplane-report.js';
import { renderTable } from '../table.js';

const fixed = (v: number, digits: number): string => (Number.isFinite(v) ? v.toFixed(digits) : '-');
const percent = (v: number): string => (Number.isFinite(v) ? `${(v * 100).toFixed(1)}%` : '-');

function aimCell(p: PathResult): string {
  if (p.aim === null) return '';
  return `≥${Math.round(p.aim * 100)}% ${p.aimMet ? 'met' : 'missed'}`;
}

export function formatDataplaneReport(r: DataplaneReport): string {
  const s = r.settings;
  const e = r.environment;
  const head = [
    `Dataplane benchmark: ${s.rounds} round${s.rounds === 1 ? '' : 's'} x ${s.durationSeconds} s of TCP per path (iperf3, ${s.streams} stream),`
      + ` ${s.pingPong.count} x ${s.pingPong.payloadBytes} B TCP ping-pong per round`,
    `${s.iperf3 ?? 'iperf3'}; kernel ${e.kernel}, ${e.cpus} CPUs, ${(e.cpuBusyBefore * 100).toFixed(0)}% busy before the run`,
    '',
  ].join('\n');
  const rows = r.paths.map((p) => [
    p.label,
    p.backend ?? '-',
    p.mtu === null ? '-' : String(p.mtu),
    fixed(p.throughput.gbps, 2),
    `${fixed(p.throughput.minGbps, 1)}-${fixed(p.throughput.maxGbps, 1)}`,
    p.throughput.retransmits === null ? '-' : String(p.throughput.retransmits),
    p.throughput.senderCpuPercent === null || p.throughput.receiverCpuPercent === null
      ? '-' : `${p.throughput.senderCpuPercent.toFixed(0)}/${p.throughput.receiverCpuPercent.toFixed(0)}`,
    percent(p.ratio),
    aimCell(p),
    fixed(p.latency.p50, 1),
    fixed(p.latency.p99, 1),
    percent(p.latencyRatio),
  ]);
  const table = renderTable(
    ['path', 'backend', 'MTU', 'Gbit/s', 'range', 'retr', 'CPU %', 'vs underlay', 'aim', 'RTT p50 µs', 'p99 µs', 'vs underlay'],
    rows,
    ['left', 'left', 'right', 'right', 'right', 'right', 'right', 'right', 'left', 'right', 'right', 'right'],
  );
  const notes = [
    '',
    'Gbit/s: median over rounds (range: slowest-fastest round); retr: TCP retransmissions, all rounds;',
    'CPU %: iperf3 sender/receiver, 100 = one CPU (with veth the whole path\'s softirq work runs on the sender\'s);',
    'vs underlay: median over rounds of the path against the baseline measured in the same round.',
    ...r.warnings.map((w) => `warning: ${w}`),
    '',
  ];
  return `${head}\n${table}${notes.join('\n')}`;
}
