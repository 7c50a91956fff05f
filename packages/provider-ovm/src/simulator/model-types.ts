/** The records the simulated Manager keeps. */
import type { TemplateState, VmState } from './vm-states.js';

/** A VM as the simulator knows it (a snapshot when handed out). */
export interface SimulatedVm {
  /** Sequential id (`VirtualMachine.imgId`). */
  imgId: number;
  /** VM name (`imgName`). */
  name: string;
  /** Directory name in running_pool, `<imgId>_<name>`; also the Xen domain name. */
  location: string;
  /** Absolute path of its running_pool directory. */
  dir: string;
  /** The template it was created from. */
  templateName: string;
  /** The template's imgId (`parentImg`). */
  parentImgId: number;
  /** Current state. */
  status: VmState;
  /** Memory in MiB. */
  memoryMiB: number;
  /** Virtual CPUs. */
  cpus: number;
  /** Creation time, ms since the epoch. */
  createTime: number;
  /** When it last started running, ms since the epoch; 0 when never. */
  poweronTime: number;
  /** The address the simulated guest reported; empty until it booted with parameters. */
  imgIp: string;
  /** Xen domain id while it has a domain (running or paused), else null. */
  domId: number | null;
  /** Random UUID given at creation. */
  uuid: string;
  /** `PVM` or `HVM`, from the template's vm.cfg. */
  vmType: 'PVM' | 'HVM';
}

/** A template registered with the simulated Manager. */
export interface SimulatedTemplate {
  /** Directory name in seed_pool. */
  name: string;
  /** Its id in the VirtualMachine id sequence. */
  imgId: number;
  /** Registration state. */
  status: TemplateState;
  /** Memory in MiB from its vm.cfg. */
  memoryMiB: number;
  /** Virtual CPUs from its vm.cfg. */
  cpus: number;
  /** `PVM` or `HVM`, from its vm.cfg. */
  vmType: 'PVM' | 'HVM';
  /** Registration time, ms since the epoch. */
  createTime: number;
}

/** Settings of one simulated Manager. */
export interface ManagerSettings {
  /** The dom0 `/OVS` root. */
  ovsRoot: string;
  /** The server pool's name. */
  poolName: string;
  /** The pool master's address. */
  masterIp: string;
  /** How long a powered-on guest takes to read its boot parameters. */
  bootMs: number;
  /** How long an intermediate state (INITIALIZING, SHUTTINGDOWN, ...) lasts. */
  transitionMs: number;
  /** Where log lines go. */
  log: (line: string) => void;
}
