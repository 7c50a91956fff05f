/**
 * Metrics of many VMs from one CONNECT_GET_ALL_DOMAIN_STATS call. CPU percent is left to the
 * host, which derives it from two samples of `cpu.time`.
 */
import { assertValidName, mapLimited, type VmMetricsSample } from '@ims/spi';
import { lookupVm, vmNotFound } from './domains.js';
import type { ProviderEnv } from './env.js';
import { DomainState, DomainStatsTypes, type TypedParam, typedParamsToRecord } from './rpc/index.js';

const KIB = 1024;

/** One sample for each named VM, in the order asked; `IMS_VM_NOT_FOUND` if any is missing. */
export async function getMetrics(env: ProviderEnv, names: readonly string[]): Promise<VmMetricsSample[]> {
  for (const name of names) assertValidName('vm', name);
  if (names.length === 0) return [];
  return env.connection.use(
    async (client) => {
      const domains = await mapLimited([...new Set(names)], 16, (name) => lookupVm(client, name));
      const groups =
        DomainStatsTypes.STATE |
        DomainStatsTypes.CPU_TOTAL |
        DomainStatsTypes.BALLOON |
        DomainStatsTypes.VCPU;
      const records = await client.getAllDomainStats(domains, groups, 0);
      const at = env.context.clock.now();
      const byName = new Map(records.map((r) => [r.domain.name, r.params]));
      return names.map((name) => {
        const params = byName.get(name);
        if (params === undefined) throw vmNotFound(name, client.name);
        return sampleFromStats(name, at, params);
      });
    },
    { retry: true },
  );
}

/**
 * A sample from one domain's statistics: `cpu.time`; `vcpu.current`; memory in total
 * `balloon.current` (what the VM has), in use `balloon.available - balloon.unused` as the guest
 * reports it, else the host's view `balloon.rss`. A stopped VM uses no CPU time and no memory
 * (libvirt still reports the last run's `cpu.time` for it).
 */
export function sampleFromStats(vm: string, at: number, params: readonly TypedParam[]): VmMetricsSample {
  const stats = typedParamsToRecord(params);
  const num = (field: string): number | undefined => {
    const value = stats[field];
    return typeof value === 'number' || typeof value === 'bigint' ? Number(value) : undefined;
  };
  const totalKiB = num('balloon.current') ?? num('balloon.maximum') ?? 0;
  const vcpus = num('vcpu.current') ?? num('vcpu.maximum') ?? 0;
  if (num('state.state') === DomainState.SHUTOFF) {
    return { vm, at, vcpus, cpuTimeNs: 0, memoryUsedBytes: 0, memoryTotalBytes: totalKiB * KIB };
  }
  const available = num('balloon.available');
  const unused = num('balloon.unused');
  const rss = num('balloon.rss');
  let usedKiB = 0;
  if (available !== undefined && unused !== undefined) usedKiB = Math.max(0, available - unused);
  else if (rss !== undefined) usedKiB = totalKiB > 0 ? Math.min(rss, totalKiB) : rss;
  return {
    vm,
    at,
    vcpus,
    cpuTimeNs: num('cpu.time') ?? 0,
    memoryUsedBytes: usedKiB * KIB,
    memoryTotalBytes: totalKiB * KIB,
  };
}
