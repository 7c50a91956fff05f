/**
 * The simulator's state file, `<ovsRoot>/.ovm-manager-sim/state.json`, written atomically: the VMs
 * as the dom0 shims read them, and the Manager's own records, which a restarted simulator loads.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { SimulatedTemplate, SimulatedVm } from './model-types.js';

/** One VM in the state file. */
export interface StateFileVm {
  /** VirtualMachine.imgId. */
  imgId: number;
  /** VM name. */
  name: string;
  /** running_pool directory name = Xen domain name. */
  location: string;
  /** State name (RUNNING, POWEREDOFF, ...). */
  status: string;
  /** Memory in MiB. */
  memoryMiB: number;
  /** Virtual CPUs. */
  cpus: number;
  /** When it started running, ms since the epoch (0 = never). */
  poweronTime: number;
  /** Xen domain id, or null without a domain. */
  domId: number | null;
}

/**
 * What the Manager keeps across restarts. Modelled: the real Manager keeps these in its database;
 * the simulator keeps them here, beside the shims' view.
 */
export interface ManagerRecords {
  /** The next VirtualMachine.imgId to hand out. */
  nextImgId: number;
  /** The next Xen domain id. */
  nextDomId: number;
  /** Every VM, complete. */
  vms: SimulatedVm[];
  /** Every registered template. */
  templates: SimulatedTemplate[];
}

/** The state file's content (contract "Simulator state file"; `manager` is read only by the simulator). */
export interface StateFile {
  /** Format version, 1. */
  version: 1;
  /** Every VM. */
  vms: StateFileVm[];
  /** The Manager's records; absent in files written before they were kept. */
  manager?: ManagerRecords;
}

/** Writes the state file atomically (a temporary file renamed over it). */
export function writeStateFile(path: string, vms: readonly SimulatedVm[], manager?: ManagerRecords): void {
  const content: StateFile = {
    version: 1,
    vms: vms.map((vm) => ({
      imgId: vm.imgId,
      name: vm.name,
      location: vm.location,
      status: vm.status,
      memoryMiB: vm.memoryMiB,
      cpus: vm.cpus,
      poweronTime: vm.poweronTime,
      domId: vm.domId,
    })),
    ...(manager === undefined ? {} : { manager }),
  };
  mkdirSync(dirname(path), { recursive: true });
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, `${JSON.stringify(content, null, 2)}\n`);
  renameSync(temp, path);
}

/** Reads the state file; an absent file reads as no VMs. */
export function readStateFile(path: string): StateFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1, vms: [] };
    throw error;
  }
  const parsed = JSON.parse(text) as Partial<StateFile>;
  if (parsed.version !== 1 || !Array.isArray(parsed.vms))
    throw new Error(`${path} is not a version 1 state file`);
  return parsed.manager === undefined
    ? { version: 1, vms: parsed.vms }
    : { version: 1, vms: parsed.vms, manager: parsed.manager };
}
