/**
 * Metrics: the Manager has none per VM, so they come from one `xentop -b -i 2 -d 1` run on dom0
 * for all VMs asked for. Its second iteration holds CPU(%) over a real one-second interval.
 */
import { assertValidName, type VmMetricsSample } from '@ims/spi';
import type { OvmEnv } from './env.js';
import type { OvmVirtualMachine } from './manager/types.js';
import { stateOf, vmNotFound } from './vms.js';
import { findDomain, parseXentop, type XentopDomain } from './xentop.js';

const KIB = 1024;
const MIB = 1024 * 1024;

/** The states in which a VM has a Xen domain that xentop lists. */
const HAS_DOMAIN = new Set([
  'RUNNING',
  'PAUSED',
  'SUSPENDED',
  'PAUSING',
  'UNPAUSING',
  'SUSPENDING',
  'RESUMING',
  'REBOOTING',
  'SHUTTINGDOWN',
  'MIGRATING',
  'SAVING',
]);

/** One sample for each named VM, in the order asked; `IMS_VM_NOT_FOUND` if any is missing. */
export async function getMetrics(env: OvmEnv, names: readonly string[]): Promise<VmMetricsSample[]> {
  for (const name of names) assertValidName('vm', name);
  if (names.length === 0) return [];
  const all = await env.manager.allVms(await env.pool());
  const byName = new Map(all.map((vm) => [vm.name, vm]));
  const vms = names.map((name) => {
    const vm = byName.get(name);
    if (vm === undefined) throw vmNotFound(name, env.config.serverPool);
    return vm;
  });
  const domains = vms.some((vm) => HAS_DOMAIN.has(stateOf(vm))) ? await readXentop(env) : [];
  const at = env.context.clock.now();
  return vms.map((vm) => sampleOf(vm, at, findDomain(domains, vm.location)));
}

async function readXentop(env: OvmEnv): Promise<XentopDomain[]> {
  const { stdout } = await env.dom0.run([env.config.xentopCommand ?? 'xentop', '-b', '-i', '2', '-d', '1'], {
    timeoutMs: 30_000,
  });
  return parseXentop(stdout);
}

/**
 * A sample from a VM's xentop row: CPU(sec) and CPU(%), MEM(k) in use, MAXMEM(k) as the total
 * (the VM's configured memory when xentop says `no limit`). A VM without a domain (stopped)
 * uses no CPU and no memory.
 */
export function sampleOf(
  vm: OvmVirtualMachine,
  at: number,
  domain: XentopDomain | undefined,
): VmMetricsSample {
  const configuredBytes = vm.memoryMiB * MIB;
  if (domain === undefined) {
    return {
      vm: vm.name,
      at,
      vcpus: vm.cpus,
      cpuTimeNs: 0,
      memoryUsedBytes: 0,
      memoryTotalBytes: configuredBytes,
    };
  }
  const totalBytes = domain.maxMemoryKiB === undefined ? configuredBytes : domain.maxMemoryKiB * KIB;
  return {
    vm: vm.name,
    at,
    vcpus: domain.vcpus > 0 ? domain.vcpus : vm.cpus,
    cpuTimeNs: Math.round(domain.cpuSeconds * 1e9),
    cpuPercent: domain.cpuPercent,
    memoryUsedBytes: domain.memoryKiB * KIB,
    memoryTotalBytes: Math.max(totalBytes, domain.memoryKiB * KIB),
  };
}
