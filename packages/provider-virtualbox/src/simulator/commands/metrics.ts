import { createHash } from 'node:crypto';
import type { SimContext } from '../context.js';
import { PlainError, UsageError } from '../errors.js';
import { lookupMachine } from '../machines.js';
import type { SimMetricsSetup, SimVm } from '../state/types.js';
import { matchesPatterns } from './guestproperty.js';

type Unit = '%' | 'kB' | 'MB' | 'B/s';

/** Base metrics of a VM object (sub-metrics `:avg` etc. are not modelled). */
const VM_METRICS: [string, Unit][] = [
  ['CPU/Load/User', '%'],
  ['CPU/Load/Kernel', '%'],
  ['RAM/Usage/Used', 'kB'],
  ['Disk/Usage/Used', 'MB'],
  ['Net/Rate/Rx', 'B/s'],
  ['Net/Rate/Tx', 'B/s'],
  ['Guest/CPU/Load/User', '%'],
  ['Guest/CPU/Load/Kernel', '%'],
  ['Guest/CPU/Load/Idle', '%'],
  ['Guest/RAM/Usage/Total', 'kB'],
  ['Guest/RAM/Usage/Free', 'kB'],
  ['Guest/RAM/Usage/Balloon', 'kB'],
  ['Guest/RAM/Usage/Shared', 'kB'],
  ['Guest/RAM/Usage/Cache', 'kB'],
  ['Guest/Pagefile/Usage/Total', 'kB'],
];
const HOST_METRICS: [string, Unit][] = [
  ['CPU/Load/User', '%'],
  ['CPU/Load/Kernel', '%'],
  ['RAM/Usage/Total', 'kB'],
  ['RAM/Usage/Used', 'kB'],
  ['RAM/Usage/Free', 'kB'],
];

/** A metrics object: a VM, or the host. */
type MetricsObject = { kind: 'vm'; vm: SimVm } | { kind: 'host' };

function resolveObjects(ctx: SimContext, spec: string | undefined): MetricsObject[] {
  if (spec === undefined || spec === '*') {
    return [{ kind: 'host' }, ...ctx.store.list().map((vm) => ({ kind: 'vm' as const, vm }))];
  }
  if (spec === 'host') return [{ kind: 'host' }];
  // confirmed: VBoxManage takes one object — `*`, `host`, or one VM name or UUID (a VM name may
  // itself contain commas); metrics of many VMs at once come from `*`.
  const vm = lookupMachine(ctx, spec);
  // modelled: VBoxManageMetrics.cpp parseFilterParameters wording
  if (!vm) throw new PlainError(`Invalid machine name: '${spec}'`);
  return [{ kind: 'vm', vm }];
}

function parseSetupOptions(argv: string[]): { period: number; samples: number; rest: string[] } {
  let period = 1;
  let samples = 1;
  let i = 0;
  for (; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--period' || arg === '--samples' || arg === '-period' || arg === '-samples') {
      const value = argv[i + 1];
      if (value === undefined) throw new PlainError(`Missing argument to '${arg}'`);
      if (!/^\d+$/.test(value) || Number(value) === 0) {
        throw new PlainError(`Invalid value for '${arg.replace(/^-+/, '')}' parameter: '${value}'`);
      }
      if (arg.endsWith('period')) period = Number(value);
      else samples = Number(value);
      i++;
    } else if (arg !== '--list' && arg !== '-list') {
      break;
    }
  }
  return { period, samples, rest: argv.slice(i) };
}

/** Deterministic pseudo-random fraction in [0,1) for one object/metric/sample. */
function noise(key: string): number {
  return createHash('sha256').update(key).digest().readUInt32BE(0) / 2 ** 32;
}

function formatValue(unit: Unit, value: number): string {
  // confirmed: reference "Output formats" (`12.55%`, `72220 kB`)
  return unit === '%' ? `${value.toFixed(2)}%` : `${Math.round(value)} ${unit}`;
}

/** Collected samples of one metric: empty until setup and one period while running. */
function samplesOf(
  ctx: SimContext,
  id: string,
  setup: SimMetricsSetup | null | undefined,
  since: number,
  metric: string,
  unit: Unit,
  memoryMb: number,
): string[] {
  if (!setup || metric.startsWith('Guest/')) return [];
  const periodMs = setup.period * 1000;
  const start = Math.max(setup.at, since);
  const collected = Math.floor((ctx.now - start) / periodMs);
  if (collected < 1) return [];
  const count = Math.min(setup.samples, collected);
  const values: string[] = [];
  for (let k = collected - count; k < collected; k++) {
    const r = noise(`${id}/${metric}/${k}`);
    // modelled: plausible magnitudes — a mostly idle guest, a VM process using about a third of its RAM
    const value =
      metric === 'CPU/Load/User'
        ? 1 + r * 24
        : metric === 'CPU/Load/Kernel'
          ? 0.5 + r * 7.5
          : metric === 'RAM/Usage/Used'
            ? memoryMb * 1024 * (0.3 + r * 0.1) + 60_000
            : metric === 'RAM/Usage/Total'
              ? 8 * 1024 * 1024
              : metric === 'RAM/Usage/Free'
                ? 4 * 1024 * 1024 * (1 + r * 0.2)
                : unit === 'MB'
                  ? 2 + r * 10
                  : r * 2000;
    values.push(formatValue(unit, value));
  }
  return values;
}

function query(ctx: SimContext, argv: string[]): void {
  const objects = resolveObjects(ctx, argv[0]);
  const patterns = argv[1] ?? '*';
  // confirmed: reference "Output formats" (metrics rows `%-15s %-40s ` then values joined by ", ")
  let text =
    'Object          Metric                                   Values\n' +
    '--------------- ---------------------------------------- --------------------------------------------\n';
  for (const object of objects) {
    // confirmed: reference "Output formats" (metrics exist only while the VM runs)
    if (object.kind === 'vm' && object.vm.state !== 'running' && object.vm.state !== 'paused') continue;
    const table = object.kind === 'vm' ? VM_METRICS : HOST_METRICS;
    const name = object.kind === 'vm' ? object.vm.name : 'host';
    for (const [metric, unit] of table) {
      if (!matchesPatterns(patterns, metric, ',')) continue;
      const values =
        object.kind === 'vm'
          ? samplesOf(
              ctx,
              object.vm.uuid,
              object.vm.metrics,
              object.vm.startedAt ?? ctx.now,
              metric,
              unit,
              object.vm.memory,
            )
          : samplesOf(ctx, 'host', ctx.store.registry.hostMetrics, 0, metric, unit, 0);
      text += `${name.padEnd(15)} ${metric.padEnd(40)} ${values.join(', ')}\n`;
    }
  }
  ctx.out.stdout(text);
}

/** `metrics setup [--period N] [--samples N] OBJECTS [METRICS]` and `metrics query OBJECTS [METRICS]`. */
export function metrics(ctx: SimContext, argv: string[]): void {
  const [verb, ...rest] = argv;
  if (verb === undefined) throw new UsageError('Subcommand missing', 'metrics');
  if (verb === 'query') {
    query(ctx, rest);
    return;
  }
  if (verb !== 'setup') throw new UsageError(`Invalid parameter '${verb}'`, 'metrics');
  const { period, samples, rest: filter } = parseSetupOptions(rest);
  const setup = { at: ctx.now, period, samples };
  for (const object of resolveObjects(ctx, filter[0])) {
    if (object.kind === 'vm') object.vm.metrics = setup;
    else ctx.store.registry.hostMetrics = setup;
  }
}
