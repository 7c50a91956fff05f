import type { BootParams } from './bootparams.js';
import type { VmState, VmStatus } from './state.js';

/** Optional operations a provider declares. The host checks a flag before calling the operation. */
export interface Capabilities {
  /** `suspendVm` and `resumeVm` work. */
  suspend: boolean;
  /** `getMetrics` reports CPU and memory. */
  metrics: boolean;
  /** `getAddresses` reports what the guest really has (agent, guest property, manager, lease). */
  guestAddresses: boolean;
  /** `listVms({ includeUnmanaged: true })` also returns VMs IMS did not create. */
  unmanagedVms: boolean;
  /** `deleteTemplate` works. */
  templateDelete: boolean;
}

/** What `ims config test` prints: what is on the other end of the configuration. */
export interface ConnectionInfo {
  /** Kind of hypervisor or manager, e.g. `QEMU`, `Oracle VM Manager`, `VirtualBox`. */
  hypervisor: string;
  /** Its version. */
  version: string;
  /** More facts worth showing (host name, API version, ...). No secrets. */
  details?: Record<string, string>;
}

/** One disk of a template, from its `template.json`. */
export interface TemplateDisk {
  /** File name inside the template directory. */
  file: string;
  /** What the disk is for. */
  role: 'system' | 'application' | 'bootparams' | 'data';
  /** Image format, e.g. `raw`, `qcow2`. */
  format: string;
  /** Size in bytes. */
  sizeBytes: number;
  /** SHA-256 of the file, hex. */
  sha256?: string;
}

/** The IMS metadata of a template (`template.json`). */
export interface TemplateMetadata {
  /** The template's own name. */
  name: string;
  /** Operating system, free text. */
  os?: string;
  /** Kernel image for direct boot, relative to the template directory. */
  kernel?: string;
  /** Initial ramdisk for direct boot, relative to the template directory. */
  initrd?: string;
  /** Kernel command line for direct boot. */
  cmdline?: string;
  /** The disks. */
  disks: TemplateDisk[];
}

/** A template handed to a provider for import; the host has already fetched and safely extracted it. */
export interface TemplateImportRequest {
  /** The name to store it under (validated). */
  name: string;
  /** Directory holding the extracted template. */
  directory: string;
  /** The original archive, when the source was one (lets a provider send it as it is). */
  archivePath?: string;
  /** Parsed `template.json`, when the template has one. */
  metadata?: TemplateMetadata;
}

/** A template as a provider knows it. */
export interface TemplateInfo {
  /** Its name. */
  name: string;
  /** Total size of its disks in bytes, if known. */
  sizeBytes?: number;
  /** Operating system, if known. */
  os?: string;
}

/** One NIC of a VM to create. */
export interface NicSpec {
  /** MAC address to use; the provider generates one with its own prefix when absent. */
  mac?: string;
}

/** What `createVm` is asked for. */
export interface VmSpec {
  /** VM name (validated by the host). */
  name: string;
  /** Template name. */
  template: string;
  /** Virtual CPUs. */
  cpus: number;
  /** Memory in MiB. */
  memoryMiB: number;
  /** NICs, in slot order (at least one). */
  nics: NicSpec[];
}

/** What `createVm` returns. */
export interface VmCreated {
  /** The MAC address of each NIC, in slot order, lower-case. */
  macs: string[];
}

/** Options of `startVm`. */
export interface StartOptions {
  /** The boot parameters to deliver to the guest on this start. */
  bootParams: BootParams;
}

/** Options of `stopVm`. */
export interface StopOptions {
  /** Power off at once instead of asking the guest to shut down. */
  force: boolean;
  /** How long a graceful shutdown may take before it fails with `IMS_TIMEOUT`. */
  timeoutMs: number;
}

/** Options of `deleteVm`. */
export interface DeleteOptions {
  /** Power the VM off first if it is running, instead of refusing with `IMS_INVALID_STATE`. */
  force: boolean;
  /**
   * Since SPI 1.3: the host is rolling back a `createVm` of this name that was interrupted (the
   * process died, or was cancelled). Remove whatever of the VM this configuration made, even when
   * the provider's own records of it are missing or incomplete; still never a VM made elsewhere.
   * `IMS_VM_NOT_FOUND` when nothing of it exists. Implies `force`.
   */
  incomplete?: boolean;
}

/** Options of `deleteTemplate` (SPI 1.3). */
export interface TemplateDeleteOptions {
  /**
   * The host is rolling back an `importTemplate` of this name that was interrupted: remove
   * whatever of it this configuration made (registered VMs, disks, folders), even without the
   * provider's record of it. `IMS_TEMPLATE_NOT_FOUND` when nothing of it exists.
   */
  incomplete?: boolean;
}

/** One VM on the hypervisor, as `listVms` returns it. */
export interface VmListing extends VmStatus {
  /** Name on the hypervisor. */
  name: string;
}

/** One sample of a VM's counters. */
export interface VmMetricsSample {
  /** VM name. */
  vm: string;
  /** When the sample was taken, ms since the epoch. */
  at: number;
  /** Virtual CPUs. */
  vcpus: number;
  /** CPU time consumed since the VM started, in nanoseconds. */
  cpuTimeNs: number;
  /**
   * CPU use in percent (100 = one host CPU) when the hypervisor measures it itself; otherwise
   * absent and the host derives it from two samples.
   */
  cpuPercent?: number;
  /** Memory the guest uses, in bytes. */
  memoryUsedBytes: number;
  /** Memory the VM has, in bytes. */
  memoryTotalBytes: number;
}

/** Where a reported address comes from. */
export type AddressSource = 'configured' | 'agent' | 'guest-property' | 'manager' | 'lease';

/** An IP address of a VM. */
export interface GuestAddress {
  /** MAC address of the NIC, lower-case. */
  mac: string;
  /** The address. */
  address: string;
  /** Its prefix length. */
  prefix: number;
  /** Who said so. */
  source: AddressSource;
}

/**
 * One configured instance of a hypervisor, made by a plugin's `create()`. Every method may
 * throw {@link ImsError}s from the catalogue; names are already validated by the host.
 */
export interface Provider {
  /** Connects and says what is on the other end (`ims config test`). */
  describe(): Promise<ConnectionInfo>;
  /** Imports a template; fails with `IMS_ALREADY_EXISTS` if the name is taken. */
  importTemplate(request: TemplateImportRequest): Promise<TemplateInfo>;
  /** Lists the templates this configuration holds. */
  listTemplates(): Promise<TemplateInfo[]>;
  /** Deletes a template (capability `templateDelete`); `IMS_TEMPLATE_NOT_FOUND` if absent. Options since SPI 1.3. */
  deleteTemplate(name: string, options?: TemplateDeleteOptions): Promise<void>;
  /** Creates a stopped VM from a template; `IMS_TEMPLATE_NOT_FOUND`, `IMS_ALREADY_EXISTS`. */
  createVm(spec: VmSpec): Promise<VmCreated>;
  /** Starts a stopped VM with boot parameters. Starting a running VM is a no-op. */
  startVm(name: string, options: StartOptions): Promise<void>;
  /** Stops a VM, gracefully within the timeout or forced. Stopping a stopped VM is a no-op. */
  stopVm(name: string, options: StopOptions): Promise<void>;
  /** Suspends a running VM (capability `suspend`); `IMS_INVALID_STATE` when not running. */
  suspendVm(name: string): Promise<void>;
  /** Resumes a suspended VM (capability `suspend`); `IMS_INVALID_STATE` when not suspended. */
  resumeVm(name: string): Promise<void>;
  /** Deletes a VM and all its storage; `IMS_INVALID_STATE` if running and not forced. */
  deleteVm(name: string, options: DeleteOptions): Promise<void>;
  /** The VM's state; `IMS_VM_NOT_FOUND` if the hypervisor does not have it. */
  getStatus(name: string): Promise<VmStatus>;
  /** All VMs on the hypervisor that belong to this configuration, or every VM when `includeUnmanaged`. */
  listVms(options: { includeUnmanaged: boolean }): Promise<VmListing[]>;
  /** One counters sample for each named VM, in one batched call where the hypervisor allows (capability `metrics`). */
  getMetrics(names: readonly string[]): Promise<VmMetricsSample[]>;
  /** Addresses the guest really has (capability `guestAddresses`); empty while it has none. */
  getAddresses(name: string): Promise<GuestAddress[]>;
  /** Releases connections. The instance is not used afterwards. */
  close(): Promise<void>;
}

export type { VmState, VmStatus };

/** The names of every {@link Provider} operation, in a stable order. */
export const PROVIDER_OPERATIONS = [
  'describe',
  'importTemplate',
  'listTemplates',
  'deleteTemplate',
  'createVm',
  'startVm',
  'stopVm',
  'suspendVm',
  'resumeVm',
  'deleteVm',
  'getStatus',
  'listVms',
  'getMetrics',
  'getAddresses',
] as const satisfies readonly Exclude<keyof Provider, 'close'>[];
