/**
 * What IMS remembers in the configuration's data directory, one JSON file per thing: the templates
 * it imported, the VMs it created (which makes them "managed"), and when each was last booted.
 * VirtualBox stays the truth about what exists; a record whose VM is gone is ignored.
 */
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ImsError, NAME_PATTERN } from '@ims/spi';

/** A converted disk of a template. */
export interface TemplateDiskRecord {
  /** What it is for. */
  role: 'system' | 'application';
  /** The VDI on the VirtualBox host. */
  path: string;
  /** Size of the raw image it was made from, in bytes. */
  sizeBytes: number;
}

/** An imported template. */
export interface TemplateRecord {
  /** Record layout version. */
  version: 1;
  /** Template name. */
  name: string;
  /** The registered VM holding its disks and base snapshot. */
  vm: string;
  /** That VM's UUID. */
  uuid: string;
  /** Its folder on the VirtualBox host. */
  folder: string;
  /** Operating system, from template.json. */
  os?: string;
  /** Its disks. */
  disks: TemplateDiskRecord[];
  /** When it was imported, ISO 8601. */
  importedAt: string;
}

/** A NIC as the boot parameters of a start gave it to the guest. */
export interface BootNicRecord {
  /** MAC, lower case with colons. */
  mac: string;
  /** `ADDRESS/PREFIX` or `dhcp`. */
  address: string;
}

/** When a VM was last started by IMS, to tell fresh guest properties from stale ones. */
export interface BootRecord {
  /** IMS host clock, ms since the epoch. */
  startedAt: number;
  /** The VirtualBox host's clock (`VMStateChangeTime` after the start), ms since the epoch. */
  hostStartedAt?: number;
  /** The NICs in the order of this start's boot parameters (`IMS_NET<n>_…`, `/IMS/Net/<n>/…`). */
  nics?: BootNicRecord[];
}

/** A VM this configuration created. */
export interface VmRecord {
  /** Record layout version. */
  version: 1;
  /** VM name. */
  name: string;
  /** Its UUID in VirtualBox (a VM of the same name made outside IMS has another). */
  uuid: string;
  /** The template it was cloned from. */
  template: string;
  /** Its NICs' MACs, in slot order. */
  macs: string[];
  /** Memory in MiB, as created. */
  memoryMiB: number;
  /** Virtual CPUs, as created. */
  cpus: number;
  /** When it was created, ISO 8601. */
  createdAt: string;
  /** Its last start through IMS. */
  boot?: BootRecord;
  /** The boot-parameter ISO IMS last wrote for it on the VirtualBox host, removed with the VM. */
  bootIso?: string;
}

/** Accumulated CPU time estimate of a running VM (see metrics.ts). */
export interface CpuRecord {
  /** Record layout version. */
  version: 1;
  /** VM name. */
  name: string;
  /** The boot it belongs to (`BootRecord.startedAt`, or the state change time). */
  bootKey: number;
  /** When it was last updated, ms. */
  at: number;
  /** Estimated CPU time since boot, ns. */
  cpuNs: number;
}

/** JSON records of one kind, one file per name, written atomically. */
export class RecordStore<T extends { version: 1; name: string }> {
  readonly #dir: string;
  readonly #kind: string;
  readonly #valid: (value: Partial<T>) => boolean;

  /** @param dir where the files go; @param kind for messages; @param valid shape check of a parsed record */
  constructor(dir: string, kind: string, valid: (value: Partial<T>) => boolean) {
    this.#dir = dir;
    this.#kind = kind;
    this.#valid = valid;
  }

  /** The record of `name`, or undefined. */
  async get(name: string): Promise<T | undefined> {
    if (!NAME_PATTERN.test(name)) return undefined;
    let text: string;
    try {
      text = await readFile(this.#file(name), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw ioFailure(`read the record of ${this.#kind} ${name}`, error);
    }
    let record: Partial<T>;
    try {
      record = JSON.parse(text) as Partial<T>;
    } catch (cause) {
      throw this.#corrupt(name, cause);
    }
    if (record.version !== 1 || record.name !== name || !this.#valid(record)) throw this.#corrupt(name);
    return record as T;
  }

  /** Every record, sorted by name; unreadable ones are skipped. */
  async all(): Promise<T[]> {
    let files: string[];
    try {
      files = await readdir(this.#dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw ioFailure(`list the ${this.#kind} records`, error);
    }
    const names = files.filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -'.json'.length));
    const records: (T | undefined)[] = await Promise.all(
      names.map((n) => this.get(n).catch((): T | undefined => undefined)),
    );
    return records
      .filter((r): r is T => r !== undefined)
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** Writes a record atomically: a reader sees the old or the new one, never half. */
  async put(record: T): Promise<void> {
    const file = this.#file(record.name);
    const temp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    try {
      await mkdir(this.#dir, { recursive: true, mode: 0o700 });
      await writeFile(temp, `${JSON.stringify(record, null, 2)}\n`, { mode: 0o600 });
      await rename(temp, file);
    } catch (error) {
      await rm(temp, { force: true }).catch(() => {});
      throw ioFailure(`write the record of ${this.#kind} ${record.name}`, error);
    }
  }

  /** Removes a record; a missing one is fine. */
  async remove(name: string): Promise<void> {
    if (!NAME_PATTERN.test(name)) return;
    try {
      await rm(this.#file(name), { force: true });
    } catch (error) {
      throw ioFailure(`remove the record of ${this.#kind} ${name}`, error);
    }
  }

  #file(name: string): string {
    return join(this.#dir, `${name}.json`);
  }

  #corrupt(name: string, cause?: unknown): ImsError {
    return new ImsError(
      'IMS_STATE_CORRUPT',
      `The VirtualBox provider's record of ${this.#kind} ${name} is unreadable.`,
      {
        ...(cause === undefined ? {} : { cause }),
        hint: `Remove ${this.#file(name)}; IMS then treats the ${this.#kind} as one it did not make.`,
        details: { [this.#kind]: name },
      },
    );
  }
}

function ioFailure(what: string, cause: unknown): ImsError {
  const reason = (cause as NodeJS.ErrnoException).code ?? (cause instanceof Error ? cause.message : 'error');
  return new ImsError('IMS_IO_FAILED', `Could not ${what}: ${reason}.`, {
    cause,
    hint: "Check the permissions and free space of IMS's data directory.",
  });
}

const isString = (v: unknown) => typeof v === 'string';
const isNumber = (v: unknown) => typeof v === 'number' && Number.isFinite(v);

/** The stores of one configuration's data directory. */
export interface Records {
  /** Imported templates. */
  templates: RecordStore<TemplateRecord>;
  /** Created VMs. */
  vms: RecordStore<VmRecord>;
  /** CPU time estimates. */
  cpu: RecordStore<CpuRecord>;
}

/** The record stores under `dataDir`. */
export function recordsIn(dataDir: string): Records {
  return {
    templates: new RecordStore<TemplateRecord>(
      join(dataDir, 'templates'),
      'template',
      (r) => [r.vm, r.uuid, r.folder].every(isString) && Array.isArray(r.disks),
    ),
    vms: new RecordStore<VmRecord>(
      join(dataDir, 'vms'),
      'vm',
      (r) =>
        [r.uuid, r.template].every(isString) &&
        Array.isArray(r.macs) &&
        [r.memoryMiB, r.cpus].every(isNumber),
    ),
    cpu: new RecordStore<CpuRecord>(join(dataDir, 'cpu'), 'vm', (r) =>
      [r.bootKey, r.at, r.cpuNs].every(isNumber),
    ),
  };
}
