/**
 * What this configuration remembers about its VMs, one file per VM in `<dataDir>/ovm-vms/`: which
 * VMs it created (the Manager has no place for such a mark), their MACs, and the static addresses
 * of their last boot (the Manager reports a bare IP, without its prefix length). One file per VM
 * lets two `ims` processes work on different VMs of one configuration without losing an update.
 */
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ImsError, type Logger } from '@ims/spi';

/** A static address given to a NIC at boot. */
export interface BootAddress {
  /** The address. */
  address: string;
  /** Its prefix length. */
  prefix: number;
}

/** One VM made by this configuration. */
export interface VmRecord {
  /** VM name. */
  name: string;
  /** The Manager's `imgId`: a VM of the same name made later by someone else is not ours. */
  imgId: string;
  /** Template it was made from. */
  template: string;
  /** MAC of each NIC, in slot order. */
  macs: string[];
  /** When it was created (ISO 8601). */
  createdAt: string;
  /** Static addresses of its last start, by MAC. */
  bootAddresses?: Record<string, BootAddress>;
}

interface RecordFile {
  version: 1;
  vm: VmRecord;
}

/** The VM records of one configuration. Writes within a process are serialized; each is atomic. */
export class VmRecords {
  readonly #dir: string;
  readonly #logger: Logger;
  #queue: Promise<unknown> = Promise.resolve();

  /** @param dataDir the configuration's data directory; @param logger for unreadable files */
  constructor(dataDir: string, logger: Logger) {
    this.#dir = join(dataDir, 'ovm-vms');
    this.#logger = logger;
  }

  /** Every record, by VM name. */
  async all(): Promise<Map<string, VmRecord>> {
    await this.#queue.catch(() => {});
    let files: string[];
    try {
      files = await readdir(this.#dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new Map();
      throw ioError(`Cannot read ${this.#dir}`, error);
    }
    const records = await Promise.all(
      files.filter((f) => f.endsWith('.json')).map((f) => this.#read(join(this.#dir, f))),
    );
    return new Map(records.filter((r) => r !== undefined).map((r) => [r.name, r]));
  }

  /** The record of a VM, if this configuration made it. */
  async get(name: string): Promise<VmRecord | undefined> {
    await this.#queue.catch(() => {});
    return this.#read(this.#fileOf(name));
  }

  /** Adds or replaces a record. */
  put(record: VmRecord): Promise<void> {
    return this.#serialized(() => this.#write(record));
  }

  /** Changes a record, if there is one. */
  change(name: string, edit: (record: VmRecord) => void): Promise<void> {
    return this.#serialized(async () => {
      const record = await this.#read(this.#fileOf(name));
      if (record === undefined) return;
      edit(record);
      await this.#write(record);
    });
  }

  /** Forgets a VM. */
  forget(name: string): Promise<void> {
    return this.#serialized(() =>
      rm(this.#fileOf(name), { force: true }).catch((error: unknown) => {
        throw ioError(`Cannot remove the record of ${name}`, error);
      }),
    );
  }

  /** VM names are validated by the host ([A-Za-z0-9._-], no leading dot), so they are safe file names. */
  #fileOf(name: string): string {
    return join(this.#dir, `${name}.json`);
  }

  #serialized(work: () => Promise<void>): Promise<void> {
    const next = this.#queue.catch(() => {}).then(work);
    this.#queue = next;
    return next;
  }

  async #read(file: string): Promise<VmRecord | undefined> {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw ioError(`Cannot read ${file}`, error);
    }
    try {
      const parsed = JSON.parse(text) as Partial<RecordFile>;
      if (parsed.version === 1 && isRecord(parsed.vm)) return parsed.vm;
    } catch {
      // Reported below.
    }
    this.#logger.warn('an OVM VM record is unreadable; ignoring it', { file });
    return undefined;
  }

  async #write(record: VmRecord): Promise<void> {
    const file = this.#fileOf(record.name);
    const temp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    const document: RecordFile = { version: 1, vm: record };
    try {
      await mkdir(this.#dir, { recursive: true, mode: 0o700 });
      await writeFile(temp, `${JSON.stringify(document, null, 2)}\n`, { mode: 0o600 });
      await rename(temp, file);
    } catch (error) {
      await rm(temp, { force: true }).catch(() => {});
      throw ioError(`Cannot write ${file}`, error);
    }
  }
}

function isRecord(value: unknown): value is VmRecord {
  const r = value as Partial<VmRecord> | null;
  return (
    typeof r === 'object' &&
    r !== null &&
    typeof r.name === 'string' &&
    typeof r.imgId === 'string' &&
    Array.isArray(r.macs)
  );
}

function ioError(what: string, error: unknown): ImsError {
  return new ImsError('IMS_IO_FAILED', `${what}: ${(error as Error).message}`, {
    cause: error,
    hint: 'Check the permissions and free space of the IMS home directory.',
  });
}
