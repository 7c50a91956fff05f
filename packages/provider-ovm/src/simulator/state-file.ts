/** The state file the dom0 shims read: `<ovsRoot>/.ovm-manager-sim/state.json`, written atomically. */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { SimulatedVm } from './model-types.js';

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

/** The state file's content (contract "Simulator state file"). */
export interface StateFile {
  /** Format version, 1. */
  version: 1;
  /** Every VM. */
  vms: StateFileVm[];
}

/** Writes the state file atomically (a temporary file renamed over it). */
export function writeStateFile(path: string, vms: readonly SimulatedVm[]): void {
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
  return { version: 1, vms: parsed.vms };
}
