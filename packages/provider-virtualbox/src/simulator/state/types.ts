/** Machine states the simulator produces (a subset of VirtualBox's). */
export type VmState = 'poweroff' | 'running' | 'paused' | 'saved' | 'aborted' | 'aborted-saved';

/** Attachment types of a network adapter. */
export type NicAttachment = 'none' | 'nat' | 'bridged' | 'hostonly' | 'intnet' | 'generic' | 'natnetwork';

/** One network adapter slot. */
export interface SimNic {
  /** What the adapter is attached to; `none` = disabled. */
  attachment: NicAttachment;
  /** Adapter model, e.g. `82540EM`, `virtio`. */
  nicType: string;
  /** MAC address: 12 upper-case hex digits. */
  mac: string;
  /** Host interface of `bridged`/`hostonly`, network of `intnet`. */
  target: string;
  /** Cable connected. */
  cable: boolean;
}

/** A storage controller. */
export interface SimController {
  /** Name given with `--name`. */
  name: string;
  /** Bus (`ide`, `sata`, `scsi`, `sas`, `floppy`, `usb`, `pcie`, `virtio`). */
  bus: string;
  /** Chipset, e.g. `IntelAhci`, `PIIX4`. */
  type: string;
  /** Ports in use. */
  portCount: number;
  /** Devices per port. */
  devicesPerPort: number;
  /** Bootable flag. */
  bootable: boolean;
}

/** A medium attached to a controller port/device. */
export interface SimAttachment {
  /** Controller name. */
  controller: string;
  /** Port. */
  port: number;
  /** Device on the port. */
  device: number;
  /** Device type. */
  type: 'hdd' | 'dvddrive';
  /** Absolute path of the medium, or null for an empty drive. */
  medium: string | null;
  /** UUID of the medium. */
  mediumUuid: string | null;
}

/** A guest property. */
export interface SimGuestProperty {
  /** Value. */
  value: string;
  /** Nanoseconds since the epoch, as a decimal string (too large for a double). */
  timestamp: string;
  /** Flags, e.g. `TRANSIENT, RDONLYGUEST`. */
  flags: string;
}

/** A snapshot. */
export interface SimSnapshot {
  /** UUID. */
  uuid: string;
  /** Name. */
  name: string;
  /** Milliseconds since the epoch. */
  takenAt: number;
  /** The hard disks as they were when the snapshot was taken (immutable from then on). */
  disks: SimAttachment[];
}

/** A NIC as the simulated guest configures it at boot. */
export interface GuestNicPlan {
  /** MAC address, upper-case hex without colons. */
  mac: string;
  /** IPv4 address. */
  ip: string;
  /** Prefix length. */
  prefix: number;
}

/** Metrics collection set up with `metrics setup`. */
export interface SimMetricsSetup {
  /** When collection was set up (ms). */
  at: number;
  /** Sampling period in seconds. */
  period: number;
  /** Samples kept. */
  samples: number;
}

/** Everything the simulator knows about one VM. */
export interface SimVm {
  /** UUID without braces. */
  uuid: string;
  /** Name, verbatim. */
  name: string;
  /** Guest OS type id. */
  osType: string;
  /** Absolute path of the `.vbox` file. */
  cfgFile: string;
  /** Memory in MiB. */
  memory: number;
  /** Virtual CPUs. */
  cpus: number;
  /** I/O APIC. */
  ioapic: boolean;
  /** Boot order, four entries. */
  boot: string[];
  /** Eight adapter slots. */
  nics: SimNic[];
  /** Storage controllers in creation order. */
  controllers: SimController[];
  /** Attached media. */
  attachments: SimAttachment[];
  /** Snapshots, oldest first. */
  snapshots: SimSnapshot[];
  /** UUID of the current snapshot. */
  currentSnapshot: string | null;
  /** Machine state. */
  state: VmState;
  /** When the state last changed (ms). */
  stateChangedAt: number;
  /** A session lock held until this moment (ms) after power-off/save — the lingering lock. */
  lockedUntil: number;
  /** When the current run started (ms). */
  startedAt: number | null;
  /** When the guest of the current run finishes booting and publishes its properties (ms). */
  bootDueAt: number | null;
  /** The guest of the current run has published its properties. */
  booted: boolean;
  /** When an ACPI shutdown will have powered the VM off (ms). */
  acpiOffAt: number | null;
  /** What the guest will configure at boot, decided at start. */
  guestPlan: GuestNicPlan[] | null;
  /** Guest properties. */
  guestProperties: Record<string, SimGuestProperty>;
  /** Metrics collection, when set up. */
  metrics: SimMetricsSetup | null;
}

/** The state directory's registry. */
export interface SimRegistry {
  /** The version the directory was created with. */
  version: string | null;
  /** UUIDs of registered VMs, in registration order. */
  machines: string[];
  /** Starts so far (for the every-Nth-start exit-1 quirk). */
  starts: number;
  /** Known hard disks by absolute path: UUID and parent (differencing images). */
  media: Record<string, { uuid: string; parent: string | null }>;
  /** Metrics collection for the host object, when set up. */
  hostMetrics?: SimMetricsSetup | null;
}
