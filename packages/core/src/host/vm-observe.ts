import { assertValidName, type Clock, type GuestAddress, ImsError, TOKENS, type VmState } from '@ims/spi';
import { compareText } from '../compare-text.js';
import type { ImsHost } from './ims-host.js';
import { vmRecord } from './vms.js';

/** `ims vm status --json` and each row of `ims vm list --json`. */
export interface VmStatusView {
  /** VM name. */
  name: string;
  /** Configuration name (for unmanaged VMs: the configuration that sees it). */
  config: string;
  /** Provider id. */
  provider: string;
  /** Common state. */
  state: VmState;
  /** The hypervisor's own word. */
  providerState: string;
  /** Created through IMS. */
  managed: boolean;
}

/** `ims vm metrics --json` rows. */
export interface VmMetricsView {
  /** VM name. */
  vm: string;
  /** Sample time, ISO 8601. */
  at: string;
  /** Virtual CPUs. */
  vcpus: number;
  /** CPU time used, ns. */
  cpuTimeNs: number;
  /** CPU use over the sampling interval; 100 = one host CPU. */
  cpuPercent: number;
  /** Guest memory in use, bytes. */
  memoryUsedBytes: number;
  /** Guest memory, bytes. */
  memoryTotalBytes: number;
}

/** A managed VM's status. */
export async function vmStatus(host: ImsHost, name: string): Promise<VmStatusView> {
  const record = await vmRecord(host, name);
  const { provider, plugin } = await host.provider(record.config);
  const status = await provider.getStatus(name);
  return {
    name,
    config: record.config,
    provider: plugin.id,
    state: status.state,
    providerState: status.providerState,
    managed: true,
  };
}

/**
 * VMs of one or every configuration: what the hypervisors report, matched against the state. A
 * managed VM the hypervisor no longer has shows as `unknown`/`missing`; with `all`, VMs IMS did
 * not create are listed as unmanaged. An unreachable configuration fails the listing only when it
 * was asked for by name; otherwise its VMs show as `unknown`/`unreachable` with a warning.
 */
export async function listVms(
  host: ImsHost,
  options: { config?: string; all: boolean },
): Promise<VmStatusView[]> {
  const state = await host.store.read();
  if (options.config !== undefined) await host.config(assertValidName('configuration', options.config));
  const configs = Object.values(state.configs).filter(
    (c) => options.config === undefined || c.name === options.config,
  );
  const perConfig = await Promise.all(
    configs.map(async (config): Promise<VmStatusView[]> => {
      const managed = Object.values(state.vms).filter((v) => v.config === config.name);
      const base = { config: config.name, provider: config.provider };
      try {
        const { provider, plugin } = await host.provider(config.name);
        const listed = await provider.listVms({
          includeUnmanaged: options.all && plugin.capabilities.unmanagedVms,
        });
        const seen = new Map(listed.map((l) => [l.name, l]));
        const rows: VmStatusView[] = managed.map((vm) => {
          const live = seen.get(vm.name);
          return {
            name: vm.name,
            ...base,
            state: live?.state ?? 'unknown',
            providerState: live?.providerState ?? 'missing',
            managed: true,
          };
        });
        if (options.all) {
          const names = new Set(Object.keys(state.vms));
          for (const l of listed)
            if (!names.has(l.name))
              rows.push({
                name: l.name,
                ...base,
                state: l.state,
                providerState: l.providerState,
                managed: false,
              });
        }
        return rows;
      } catch (error) {
        if (options.config !== undefined) throw error;
        host.logger.warn(`configuration "${config.name}": ${(error as Error).message}`);
        return managed.map((vm) => ({
          name: vm.name,
          ...base,
          state: 'unknown' as const,
          providerState: 'unreachable',
          managed: true,
        }));
      }
    }),
  );
  return perConfig.flat().sort((a, b) => compareText(a.config, b.config) || compareText(a.name, b.name));
}

/** CPU and memory of VMs, batched per configuration; CPU % over `intervalMs` when the hypervisor does not measure it. */
export async function vmMetrics(
  host: ImsHost,
  names: readonly string[],
  intervalMs = 500,
): Promise<VmMetricsView[]> {
  const records = await Promise.all(names.map((n) => vmRecord(host, n)));
  const byConfig = new Map<string, string[]>();
  for (const r of records) byConfig.set(r.config, [...(byConfig.get(r.config) ?? []), r.name]);
  const clock = host.service<Clock>(TOKENS.Clock);
  const perConfig = await Promise.all(
    [...byConfig].map(async ([configName, vmNames]) => {
      const { provider, plugin, signal } = await host.provider(configName);
      if (!plugin.capabilities.metrics) {
        throw new ImsError(
          'IMS_OPERATION_UNSUPPORTED',
          `The ${plugin.id} provider does not report metrics.`,
          { hint: "Use the hypervisor's own tools." },
        );
      }
      const first = await provider.getMetrics(vmNames);
      const needSecond = first.some((s) => s.cpuPercent === undefined);
      // The configuration's signal, not the host's: one sleep per configuration runs at once.
      if (needSecond) await clock.sleep(intervalMs, signal);
      const second = needSecond ? await provider.getMetrics(vmNames) : first;
      return second.map((s): VmMetricsView => {
        const before = first.find((f) => f.vm === s.vm);
        const elapsedNs = before ? (s.at - before.at) * 1e6 : 0;
        const derived =
          before && elapsedNs > 0 ? (Math.max(0, s.cpuTimeNs - before.cpuTimeNs) / elapsedNs) * 100 : 0;
        return {
          vm: s.vm,
          at: new Date(s.at).toISOString(),
          vcpus: s.vcpus,
          cpuTimeNs: s.cpuTimeNs,
          cpuPercent: Math.round((s.cpuPercent ?? derived) * 100) / 100,
          memoryUsedBytes: s.memoryUsedBytes,
          memoryTotalBytes: s.memoryTotalBytes,
        };
      });
    }),
  );
  const order = new Map(names.map((n, i) => [n, i]));
  return perConfig.flat().sort((a, b) => (order.get(a.vm) ?? 0) - (order.get(b.vm) ?? 0));
}

/** The configured address(es) plus whatever the guest reports. */
export async function vmAddresses(host: ImsHost, name: string): Promise<GuestAddress[]> {
  const record = await vmRecord(host, name);
  const configured: GuestAddress[] = record.nics.flatMap((n) =>
    n.address === 'dhcp'
      ? []
      : [{ mac: n.mac, address: n.address.address, prefix: n.address.prefix, source: 'configured' as const }],
  );
  const { provider, plugin } = await host.provider(record.config);
  const reported = plugin.capabilities.guestAddresses ? await provider.getAddresses(name) : [];
  return [...configured, ...reported];
}
