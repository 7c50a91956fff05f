/**
 * Metrics of many VMs from ONE `metrics query *` call (VBoxManage takes one object per call, and
 * `*` is the host and every VM; the rows of the VMs asked for are picked out), plus `list vms`
 * and `list runningvms` to know which exist and run. Sizes come from the records of VMs IMS made
 * (`showvminfo` only for VMs it did not make).
 *
 * VirtualBox measures CPU load, not CPU time: `cpuPercent` is its `CPU/Load/User` +
 * `CPU/Load/Kernel` as it reports them (VirtualBox's share of the host, not normalised per host
 * CPU), and `cpuTimeNs` is an ESTIMATE, the load integrated over time since the boot, kept per VM
 * in the data directory so that it never goes down between samples of one boot.
 */
import { assertValidName, mapLimited, type VmMetricsSample } from '@ims/spi';
import type { ProviderEnv } from './env.js';
import { listRegistered, showVm, vmNotFound } from './machines.js';
import { type MetricRow, metricNumber, parseMetricsQuery } from './parse/metrics.js';
import { parseVmList } from './parse/vm-list.js';
import type { CpuRecord } from './records.js';

/** The metrics asked for, in the order VirtualBox's documentation lists them. */
export const METRICS = [
  'CPU/Load/User',
  'CPU/Load/Kernel',
  'RAM/Usage/Used',
  'Guest/RAM/Usage/Total',
  'Guest/RAM/Usage/Free',
] as const;

const MIB = 1024 * 1024;
const KIB = 1024;

/** What is known of a VM before its metrics are read. */
interface Subject {
  name: string;
  running: boolean;
  cpus: number;
  memoryMiB: number;
  /** Identifies the current boot (record start time or state change time). */
  bootKey: number;
  /** When the current boot began on the IMS host's clock, ms (estimate for VMs IMS did not start). */
  bootAt: number;
}

/** One sample for each named VM, in the order asked; `IMS_VM_NOT_FOUND` if any is missing. */
export async function getMetrics(env: ProviderEnv, names: readonly string[]): Promise<VmMetricsSample[]> {
  for (const name of names) assertValidName('vm', name);
  if (names.length === 0) return [];
  const unique = [...new Set(names)];
  const listed = new Map((await listRegistered(env)).map((vm) => [vm.name, vm.uuid]));
  const missing = unique.find((name) => !listed.has(name));
  if (missing !== undefined) throw vmNotFound(env, missing);
  const running = new Set(
    parseVmList((await env.vbox.run(['list', 'runningvms'])).stdout).map((vm) => vm.name),
  );
  const subjects = await mapLimited(unique, 8, (name) =>
    subjectOf(env, name, listed.get(name), running.has(name)),
  );

  const live = subjects.filter((s) => s.running).map((s) => s.name);
  let rows: MetricRow[] = [];
  if (live.length > 0) {
    const outcome = await env.vbox.run(['metrics', 'query', '*', METRICS.join(',')]);
    const wanted = new Set(live);
    rows = parseMetricsQuery(outcome.stdout).filter((row) => wanted.has(row.object));
  }
  const at = env.context.clock.now();
  const byVm = new Map<string, Map<string, string | undefined>>();
  for (const row of rows) {
    const metrics = byVm.get(row.object) ?? new Map<string, string | undefined>();
    metrics.set(row.metric, row.values.at(-1));
    byVm.set(row.object, metrics);
  }
  // Running VMs with no collected metrics (started outside IMS): start collecting for the next sample.
  const unset = live.filter((name) => !byVm.has(name));
  // One call per VM: a setup of `*` would restart collection for the VMs that have samples.
  for (const name of unset) {
    await env.vbox.run(['metrics', 'setup', '--period', '1', '--samples', '1', name], { allowFailure: true });
  }
  const samples = new Map<string, VmMetricsSample>();
  for (const subject of subjects) {
    samples.set(subject.name, await sampleOf(env, subject, byVm.get(subject.name), at));
  }
  return names.map((name) => samples.get(name) as VmMetricsSample);
}

async function subjectOf(
  env: ProviderEnv,
  name: string,
  uuid: string | undefined,
  running: boolean,
): Promise<Subject> {
  const record = await env.records.vms.get(name).catch(() => undefined);
  if (record !== undefined && record.uuid === uuid && (!running || record.boot !== undefined)) {
    const bootAt = record.boot?.startedAt ?? 0;
    return { name, running, cpus: record.cpus, memoryMiB: record.memoryMiB, bootKey: bootAt, bootAt };
  }
  const info = await showVm(env, name);
  const changed = info.stateChangedAt ?? env.context.clock.now();
  return { name, running, cpus: info.cpus, memoryMiB: info.memoryMiB, bootKey: changed, bootAt: changed };
}

/** The sample of one VM from its metric values (the last value of each row). */
export function sampleFromMetrics(
  vm: string,
  at: number,
  sizes: { cpus: number; memoryMiB: number },
  metrics: ReadonlyMap<string, string | undefined> | undefined,
): VmMetricsSample {
  const totalBytes = sizes.memoryMiB * MIB;
  const sample: VmMetricsSample = {
    vm,
    at,
    vcpus: sizes.cpus,
    cpuTimeNs: 0,
    memoryUsedBytes: 0,
    memoryTotalBytes: totalBytes,
  };
  if (metrics === undefined) return sample;
  const value = (metric: string) => metricNumber(metrics.get(metric));
  const user = value('CPU/Load/User');
  const kernel = value('CPU/Load/Kernel');
  if (user !== undefined || kernel !== undefined) sample.cpuPercent = (user ?? 0) + (kernel ?? 0);
  const guestTotal = value('Guest/RAM/Usage/Total');
  const guestFree = value('Guest/RAM/Usage/Free');
  const hostUsed = value('RAM/Usage/Used');
  if (guestTotal !== undefined && guestFree !== undefined && guestTotal > 0) {
    sample.memoryUsedBytes = Math.max(0, guestTotal - guestFree) * KIB;
  } else if (hostUsed !== undefined) {
    sample.memoryUsedBytes = Math.min(hostUsed * KIB, totalBytes);
  }
  return sample;
}

async function sampleOf(
  env: ProviderEnv,
  subject: Subject,
  metrics: ReadonlyMap<string, string | undefined> | undefined,
  at: number,
): Promise<VmMetricsSample> {
  const sample = sampleFromMetrics(subject.name, at, subject, subject.running ? metrics : undefined);
  if (!subject.running) return sample;
  sample.cpuTimeNs = await estimateCpuTime(env, subject, sample.cpuPercent ?? 0, at);
  return sample;
}

/**
 * CPU time since the boot, estimated by integrating the load: the previous estimate of the same
 * boot plus load × elapsed time, or load × time since the boot for the first sample.
 */
export function integrateCpuTime(
  previous: Pick<CpuRecord, 'bootKey' | 'at' | 'cpuNs'> | undefined,
  boot: { key: number; at: number },
  loadPercent: number,
  at: number,
): number {
  const load = Math.max(0, loadPercent) / 100;
  if (previous !== undefined && previous.bootKey === boot.key && at >= previous.at) {
    return Math.round(previous.cpuNs + load * (at - previous.at) * 1e6);
  }
  return Math.round(load * Math.max(0, at - boot.at) * 1e6);
}

async function estimateCpuTime(
  env: ProviderEnv,
  subject: Subject,
  loadPercent: number,
  at: number,
): Promise<number> {
  const previous = await env.records.cpu.get(subject.name).catch(() => undefined);
  const cpuNs = integrateCpuTime(previous, { key: subject.bootKey, at: subject.bootAt }, loadPercent, at);
  await env.records.cpu
    .put({ version: 1, name: subject.name, bootKey: subject.bootKey, at, cpuNs })
    .catch((error) =>
      env.context.logger.debug('could not keep the CPU time estimate', {
        vm: subject.name,
        error: String(error),
      }),
    );
  return cpuNs;
}
