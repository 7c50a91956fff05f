/** The simulated OVM Manager's state: one server pool, its templates and VMs, and their lifecycles. */
import { randomUUID } from 'node:crypto';
import { mkdir, readdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { diskMissing, nameInUse, notAllowed, otherFailure, poolNotFound, vmNotFound } from './faults.js';
import { bootGuest } from './guest-boot.js';
import type { ManagerSettings, SimulatedVm } from './model-types.js';
import { isPlainDirName, ovsPaths, resolveOvsPath } from './ovs-paths.js';
import { Scheduler } from './scheduler.js';
import { type ManagerRecords, readStateFile, writeStateFile } from './state-file.js';
import { TemplateRegistry } from './template-registry.js';
import { diskEntries, firstVifMac } from './vm-cfg.js';
import { copyTemplate } from './vm-create.js';
import { isAllowed, type VmOperation, type VmState } from './vm-states.js';

/** What createVmBasedOnTemplate asks for. */
export interface CreateVmRequest {
  /** Registered, approved template. */
  templateName: string;
  /** The new VM's name. */
  vmName: string;
  /** Memory in MiB (the template's when absent). */
  memoryMiB?: number;
  /** Virtual CPUs (the template's when absent). */
  cpus?: number;
  /** Bridge for a vif the template lacks. */
  bridge: string;
}

/** A power operation of VirtualMachineService. */
export type PowerOperation = Exclude<VmOperation, 'delete'>;

/** The Manager's state and behaviour, independent of SOAP. */
export class ManagerModel {
  /** The `/OVS` layout. */
  readonly paths: ReturnType<typeof ovsPaths>;
  /** Registered templates. */
  readonly templates: TemplateRegistry;
  private readonly vmsById = new Map<number, SimulatedVm>();
  private readonly domainStarts = new Map<number, number>();
  private readonly scheduler = new Scheduler();
  private nextImgId = 1;
  private nextDomId = 1;

  /** @param settings pool, paths, delays and log of this simulator */
  constructor(readonly settings: ManagerSettings) {
    this.paths = ovsPaths(settings.ovsRoot);
    this.templates = new TemplateRegistry(
      this.paths.seedPool,
      () => this.nextImgId++,
      () => this.persist(),
    );
  }

  /** Creates the `/OVS` directories, continues ids after leftover VM directories, writes the state file. */
  async init(): Promise<void> {
    for (const dir of [
      this.paths.seedPool,
      this.paths.runningPool,
      this.paths.isoPool,
      this.paths.sharedDisk,
    ]) {
      await mkdir(dir, { recursive: true });
    }
    await this.restore();
    for (const entry of await readdir(this.paths.runningPool)) {
      const id = Number(/^(\d+)_/.exec(entry)?.[1] ?? 0);
      if (id >= this.nextImgId) this.nextImgId = id + 1;
    }
    this.persist();
  }

  /**
   * Takes back what a previous run on this OVS root kept: templates, VMs (those whose directory
   * is still there) and the id counters, so ids are never handed out twice. Modelled: the real
   * Manager keeps its database across restarts, and Xen domains outlive it, so running, paused
   * and suspended VMs stay so; an operation it was in the middle of ends as described at
   * {@link settledAfterRestart}. A state file it cannot read is logged and ignored.
   */
  private async restore(): Promise<void> {
    let saved: ManagerRecords | undefined;
    try {
      saved = readStateFile(this.paths.stateFile).manager;
    } catch (error) {
      this.log(`ignoring ${this.paths.stateFile}: ${(error as Error).message}`);
    }
    if (saved === undefined) return;
    await this.templates.restore(saved.templates);
    for (const kept of saved.vms) {
      if (
        !(await stat(kept.dir).then(
          (s) => s.isDirectory(),
          () => false,
        ))
      )
        continue;
      const vm: SimulatedVm = { ...kept, ...settledAfterRestart(kept) };
      this.vmsById.set(vm.imgId, vm);
      // A guest that was still booting boots again: its boot timer died with the old process.
      if (vm.status === 'RUNNING' && vm.imgIp === '') this.bootLater(vm);
    }
    const ids = [...this.vmsById.keys(), ...this.templates.list().map((t) => t.imgId)];
    this.nextImgId = Math.max(this.nextImgId, saved.nextImgId, ...ids.map((id) => id + 1));
    const domains = [...this.vmsById.values()].map((vm) => vm.domId ?? 0);
    this.nextDomId = Math.max(this.nextDomId, saved.nextDomId, ...domains.map((id) => id + 1));
    this.log(`restored ${this.vmsById.size} VM(s) and ${this.templates.list().length} template(s)`);
  }

  /** Faults with OVM-1005 unless `name` is this simulator's pool. */
  requirePool(name: string | undefined): void {
    if (name !== this.settings.poolName) throw poolNotFound(name ?? '');
  }

  /** Snapshots of every VM, by id. */
  vms(): SimulatedVm[] {
    return [...this.vmsById.values()].map((vm) => ({ ...vm }));
  }

  /** The VM called `name`; OVM-1001 otherwise. */
  vmByName(name: string): SimulatedVm {
    const vm = [...this.vmsById.values()].find((v) => v.name === name);
    if (vm === undefined) throw vmNotFound(name);
    return { ...vm };
  }

  /** The VM with id `imgId`; OVM-1001 otherwise. */
  vmById(imgId: number): SimulatedVm {
    return { ...this.liveVm(imgId) };
  }

  /** Registers a VM in CREATING and copies its template in the background (then POWEREDOFF). */
  createVm(request: CreateVmRequest): SimulatedVm {
    const template = this.templates.require(request.templateName);
    // modelled: only approved templates can be used
    if (template.status !== 'ACTIVE') throw otherFailure(`Template ${template.name} is not approved`);
    if (!isPlainDirName(request.vmName))
      throw otherFailure(`Invalid VM name: ${JSON.stringify(request.vmName)}`);
    const taken = [...this.vmsById.values()].some((v) => v.name === request.vmName);
    if (taken || this.templates.has(request.vmName)) throw nameInUse(request.vmName);
    const imgId = this.nextImgId++;
    // confirmed: reference "A VM created from it is copied to /OVS/running_pool/<id>_<name>/"
    const location = `${imgId}_${request.vmName}`;
    const vm: SimulatedVm = {
      imgId,
      name: request.vmName,
      location,
      dir: join(this.paths.runningPool, location),
      templateName: template.name,
      parentImgId: template.imgId,
      // modelled: createVmBasedOnTemplate answers with CREATING, the copy runs in the background (contract)
      status: 'CREATING',
      memoryMiB: request.memoryMiB ?? template.memoryMiB,
      cpus: request.cpus ?? template.cpus,
      createTime: Date.now(),
      poweronTime: 0,
      imgIp: '',
      domId: null,
      uuid: randomUUID(),
      vmType: template.vmType,
    };
    this.vmsById.set(imgId, vm);
    this.persist();
    const copy = copyTemplate(join(this.paths.seedPool, template.name), vm.dir, {
      domainName: location,
      vmDir: vm.dir,
      uuid: vm.uuid,
      bridge: request.bridge,
      ...(request.memoryMiB === undefined ? {} : { memoryMiB: request.memoryMiB }),
      ...(request.cpus === undefined ? {} : { cpus: request.cpus }),
    }).then(
      () => {
        this.log(`created ${location} from template ${template.name}`);
        this.setStatus(vm, 'POWEREDOFF');
      },
      (error: unknown) => {
        this.log(`copying template ${template.name} to ${location} failed: ${(error as Error).message}`);
        this.setStatus(vm, 'ERROR');
      },
    );
    this.scheduler.track(copy);
    return { ...vm };
  }

  /** Runs a power operation: refuses it (OVM-1004) unless the state allows it, then starts the transition. */
  async power(operation: PowerOperation, imgId: number): Promise<SimulatedVm> {
    const vm = this.liveVm(imgId);
    if (!isAllowed(operation, vm.status)) throw notAllowed(operation, vm.status);
    switch (operation) {
      case 'powerOn':
        await this.checkDisks(vm);
        // modelled: POWEREDOFF|ERROR → INITIALIZING → RUNNING
        this.transition(vm, 'INITIALIZING', 'RUNNING', () => this.startDomain(vm));
        break;
      case 'shutdown':
        // modelled: RUNNING → SHUTTINGDOWN → POWEREDOFF
        this.transition(vm, 'SHUTTINGDOWN', 'POWEREDOFF', () => this.stopDomain(vm));
        break;
      case 'powerOff':
        // modelled: power off is immediate
        this.stopDomain(vm);
        this.setStatus(vm, 'POWEREDOFF');
        break;
      case 'suspend':
        // modelled: RUNNING → SUSPENDING → SUSPENDED; the domain stays listed (contract: dom0 shows suspended
        // domains) and the guest keeps its address
        this.transition(vm, 'SUSPENDING', 'SUSPENDED', () => undefined);
        break;
      case 'resume':
        // modelled: SUSPENDED → RESUMING → RUNNING; the guest does not boot again
        this.transition(vm, 'RESUMING', 'RUNNING', () => undefined);
        break;
      case 'pause':
        // modelled: pause/unpause are immediate (contract)
        this.setStatus(vm, 'PAUSED');
        break;
      case 'unpause':
        this.setStatus(vm, 'RUNNING');
        break;
      case 'reboot':
        // modelled: RUNNING → REBOOTING → RUNNING in a new domain; the guest boots again
        this.transition(vm, 'REBOOTING', 'RUNNING', () => {
          this.stopDomain(vm);
          this.startDomain(vm);
        });
        break;
    }
    return { ...vm };
  }

  /** Deletes a VM whose state allows it, and its running_pool directory. */
  async deleteVm(imgId: number): Promise<void> {
    const vm = this.liveVm(imgId);
    if (!isAllowed('delete', vm.status)) throw notAllowed('deleteVMByVMId', vm.status);
    // modelled: DELETING while the directory is removed, then the VM is gone
    this.setStatus(vm, 'DELETING');
    try {
      await rm(vm.dir, { recursive: true, force: true });
    } catch (error) {
      this.setStatus(vm, 'ERROR');
      throw otherFailure(`Deleting ${vm.location} failed: ${(error as Error).message}`);
    }
    this.vmsById.delete(imgId);
    this.domainStarts.delete(imgId);
    this.persist();
    this.log(`deleted ${vm.location}`);
  }

  /** Cancels pending transitions and waits for running background work. */
  async stop(): Promise<void> {
    await this.scheduler.stop();
  }

  private liveVm(imgId: number): SimulatedVm {
    const vm = this.vmsById.get(imgId);
    if (vm === undefined) throw vmNotFound(`imgId ${imgId}`);
    return vm;
  }

  private async checkDisks(vm: SimulatedVm): Promise<void> {
    const cfg = await readFile(join(vm.dir, 'vm.cfg'), 'utf8').catch(() => undefined);
    if (cfg === undefined) throw diskMissing(join(vm.dir, 'vm.cfg'));
    for (const disk of diskEntries(cfg)) {
      const exists = await stat(resolveOvsPath(this.settings.ovsRoot, disk.path)).then(
        () => true,
        () => false,
      );
      // modelled: the Manager refuses to start a VM whose disk file is missing (contract OVM-1006)
      if (!exists) throw diskMissing(disk.path);
    }
  }

  private transition(vm: SimulatedVm, via: VmState, to: VmState, onArrive: () => void): void {
    this.setStatus(vm, via);
    this.scheduler.later(
      this.settings.transitionMs,
      () => {
        if (vm.status !== via || !this.vmsById.has(vm.imgId)) return;
        onArrive();
        this.setStatus(vm, to);
      },
      (error) => this.log(`${vm.location}: ${via} → ${to} failed: ${(error as Error).message}`),
    );
  }

  private startDomain(vm: SimulatedVm): void {
    vm.domId = this.nextDomId++;
    vm.poweronTime = Date.now();
    vm.imgIp = '';
    this.bootLater(vm);
  }

  /** The guest reads its boot parameters after `bootMs`, unless the domain stops or starts again first. */
  private bootLater(vm: SimulatedVm): void {
    const start = (this.domainStarts.get(vm.imgId) ?? 0) + 1;
    this.domainStarts.set(vm.imgId, start);
    this.scheduler.later(
      this.settings.bootMs,
      () => this.guestBooted(vm, start),
      (error) => this.log(`${vm.location}: guest boot failed: ${(error as Error).message}`),
    );
  }

  private stopDomain(vm: SimulatedVm): void {
    vm.domId = null;
    // modelled: imgIp is cleared at power off (contract)
    vm.imgIp = '';
    this.domainStarts.set(vm.imgId, (this.domainStarts.get(vm.imgId) ?? 0) + 1);
  }

  private async guestBooted(vm: SimulatedVm, start: number): Promise<void> {
    if (this.domainStarts.get(vm.imgId) !== start) return;
    if (vm.status === 'PAUSED') {
      // A paused guest boots once it runs again.
      this.scheduler.later(
        this.settings.bootMs,
        () => this.guestBooted(vm, start),
        () => undefined,
      );
      return;
    }
    if (vm.status !== 'RUNNING') return;
    const cfg = await readFile(join(vm.dir, 'vm.cfg'), 'utf8').catch(() => '');
    const result = await bootGuest(join(vm.dir, 'Bootparams.img'), firstVifMac(cfg));
    if (this.domainStarts.get(vm.imgId) !== start || vm.status !== 'RUNNING') return;
    if (result.kind === 'none') {
      this.log(`${vm.location}: guest booted without an address: ${result.why}`);
      return;
    }
    vm.imgIp = result.address;
    this.log(`${vm.location}: guest reported ${result.address}`);
    this.persist();
  }

  private setStatus(vm: SimulatedVm, status: VmState): void {
    vm.status = status;
    this.persist();
  }

  private persist(): void {
    const vms = [...this.vmsById.values()];
    const records: ManagerRecords = {
      nextImgId: this.nextImgId,
      nextDomId: this.nextDomId,
      vms,
      templates: this.templates.list(),
    };
    try {
      writeStateFile(this.paths.stateFile, vms, records);
    } catch (error) {
      this.log(`writing ${this.paths.stateFile} failed: ${(error as Error).message}`);
    }
  }

  private log(line: string): void {
    this.settings.log(line);
  }
}

/**
 * Where a VM stands after a restart. Modelled: an operation that was under way ends where it was
 * heading if the hypervisor part of it was done (a domain exists), otherwise where it started;
 * an interrupted copy or delete leaves the VM in ERROR, as the real Manager marks failed jobs.
 */
export function settledAfterRestart(vm: SimulatedVm): Pick<SimulatedVm, 'status' | 'domId' | 'imgIp'> {
  const off = { status: 'POWEREDOFF', domId: null, imgIp: '' } as const;
  const kept = (status: VmState) => (vm.domId === null ? off : { status, domId: vm.domId, imgIp: vm.imgIp });
  switch (vm.status) {
    case 'CREATING':
    case 'DELETING':
      return { status: 'ERROR', domId: null, imgIp: '' };
    case 'INITIALIZING':
    case 'SHUTTINGDOWN':
      return off;
    case 'SUSPENDING':
      return kept('SUSPENDED');
    case 'RESUMING':
    case 'REBOOTING':
      return kept('RUNNING');
    case 'RUNNING':
    case 'PAUSED':
    case 'SUSPENDED':
      return kept(vm.status);
    default:
      return { status: vm.status, domId: vm.domId, imgIp: vm.imgIp };
  }
}
