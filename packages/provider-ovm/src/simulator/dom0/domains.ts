/**
 * SIMULATION ONLY: the Xen domains the dom0 shims report, derived from the simulator's state
 * file (a real dom0 asks the hypervisor).
 */
import {
  DOM0_CPU_SHARE,
  DOM0_MEMORY_MIB,
  GUEST_BOOT_CPU_SECONDS,
  GUEST_CPU_SHARE,
  HOST_CPUS,
} from '../host-figures.js';
import type { StateFile } from '../state-file.js';

/** One domain as the shims print it. */
export interface Dom0Domain {
  /** Domain name (`<imgId>_<name>` for VMs). */
  name: string;
  /** Domain id. */
  domId: number;
  /** Memory in MiB. */
  memoryMiB: number;
  /** Virtual CPUs. */
  vcpus: number;
  /** What the hypervisor would flag. */
  state: 'running' | 'blocked' | 'paused' | 'shutdown';
  /** CPU time used, in seconds. */
  cpuSeconds: number;
  /** Virtual NICs. */
  nets: number;
  /** Virtual block devices. */
  vbds: number;
}

/** Domain-0 and every VM that has a domain, Domain-0 first, then by domain id. */
export function domainsOf(state: StateFile, nowMs: number, uptimeSeconds: number): Dom0Domain[] {
  const dom0: Dom0Domain = {
    name: 'Domain-0',
    domId: 0,
    memoryMiB: DOM0_MEMORY_MIB,
    vcpus: HOST_CPUS,
    state: 'running',
    // modelled: Domain-0 uses 5 % of one CPU since the host booted
    cpuSeconds: uptimeSeconds * DOM0_CPU_SHARE,
    nets: 0,
    vbds: 0,
  };
  const guests = state.vms
    .filter((vm) => vm.domId !== null && ['RUNNING', 'PAUSED', 'SUSPENDED'].includes(vm.status))
    .sort((a, b) => (a.domId ?? 0) - (b.domId ?? 0))
    .map(
      (vm): Dom0Domain => ({
        name: vm.location,
        domId: vm.domId ?? 0,
        memoryMiB: vm.memoryMiB,
        vcpus: vm.cpus,
        // modelled: an idle running guest is "blocked"; a suspended one shows the shutdown flag
        state: vm.status === 'PAUSED' ? 'paused' : vm.status === 'SUSPENDED' ? 'shutdown' : 'blocked',
        // modelled: 0.5 s to boot plus 2 % of one CPU since power on (contract)
        cpuSeconds: GUEST_BOOT_CPU_SECONDS + (Math.max(0, nowMs - vm.poweronTime) / 1000) * GUEST_CPU_SHARE,
        nets: 1,
        vbds: 1,
      }),
    );
  return [dom0, ...guests];
}
