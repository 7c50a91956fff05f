/**
 * What this configuration remembers about its VMs, in `<dataDir>/ovm-vms.json`: which VMs it
 * created (the Manager has no place for such a mark), their MACs, and the static addresses of
 * their last boot (the Manager reports a bare IP, without its prefix length).
 */
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
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

interface RecordsFile {
  version: 1;
  vms: Record<string, VmRecord>;
}

/** The VM records of one configuration. Writes are serialized and atomic (temporary file + rename). */
export class VmRecords {
  readonly #file: string;
  readonly #logger: Logger;
  #queue: Promise<unknown> = Promise.resolve();

  /** @param dataDir the configuration's data directory; @param logger for unreadable files */
  constructor(dataDir: string, logger: Logger) {
    this.#file = join(dataDir, 'ovm-vms.json');
    this.#logger = logger;
  }

  /** Every record, by VM name. */
  async all(): Promise<Map<string, VmRecord>> {
    await this.#queue.catch(() => {});
    return this.#read();
  }

  /** The record of a VM, if this configuration made it. */
  async get(name: string): Promise<VmRecord | undefined> {
    return (await this.all()).get(name);
  }

  /** Adds or replaces a record. */
  put(record: VmRecord): Promise<void> {
    return this.#update((vms) => {
      vms.set(record.name, record);
    });
  }

  /** Changes a record, if there is one. */
  change(name: string, edit: (record: VmRecord) => void): Promise<void> {
    return this.#update((vms) => {
      const record = vms.get(name);
      if (record !== undefined) edit(record);
    });
  }

  /** Forgets a VM. */
  forget(name: string): Promise<void> {
    return this.#update((vms) => {
      vms.delete(name);
    });
  }

  #update(edit: (vms: Map<string, VmRecord>) => void): Promise<void> {
    const next = this.#queue
      .catch(() => {})
      .then(async () => {
        const vms = await this.#read();
        edit(vms);
        await this.#write({ version: 1, vms: Object.fromEntries(vms) });
      });
    this.#queue = next;
    return next;
  }

  async #read(): Promise<Map<string, VmRecord>> {
    let text: string;
    try {
      text = await readFile(this.#file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new Map();
      throw ioError(`Cannot read ${this.#file}`, error);
    }
    try {
      const parsed = JSON.parse(text) as Partial<RecordsFile>;
      if (parsed.version === 1 && typeof parsed.vms === 'object' && parsed.vms !== null) {
        return new Map(Object.entries(parsed.vms).filter(([, r]) => isRecord(r)));
      }
    } catch {
      // Reported below.
    }
    this.#logger.warn('the OVM VM records are unreadable; treating them as empty', { file: this.#file });
    return new Map();
  }

  async #write(document: RecordsFile): Promise<void> {
    const temp = `${this.#file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    try {
      await mkdir(dirname(this.#file), { recursive: true, mode: 0o700 });
      await writeFile(temp, `${JSON.stringify(document, null, 2)}\n`, { mode: 0o600 });
      await rename(temp, this.#file);
    } catch (error) {
      await rm(temp, { force: true }).catch(() => {});
      throw ioError(`Cannot write ${this.#file}`, error);
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
