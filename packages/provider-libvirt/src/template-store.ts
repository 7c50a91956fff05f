/**
 * What IMS remembers about each imported template (boot command line, volumes, sizes), one JSON
 * file per template in the configuration's data directory.
 *
 * Why here and not in libvirt: libvirt has no place for free-form facts about a volume, and this
 * client cannot read a volume back. The volumes in the pool stay the truth about whether a
 * template exists; a record whose system volume is gone is not listed.
 */
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { assertValidName, ImsError, NAME_PATTERN } from '@ims/spi';

/** One uploaded file of a template. */
export interface StoredVolume {
  /** Volume name in the pool. */
  volume: string;
  /** Bytes uploaded. */
  sizeBytes: number;
}

/** One uploaded disk of a template. */
export interface StoredDisk extends StoredVolume {
  /** Image format of the volume. */
  format: 'raw' | 'qcow2';
  /** Size the guest sees, in bytes (the overlay's capacity). */
  capacityBytes: number;
}

/** The record of one template. */
export interface TemplateRecord {
  /** Record layout version. */
  version: 1;
  /** Template name. */
  name: string;
  /** Operating system, from template.json. */
  os?: string;
  /** Kernel command line for direct boot. */
  cmdline?: string;
  /** Kernel volume. */
  kernel: StoredVolume;
  /** Initrd volume. */
  initrd: StoredVolume;
  /** System disk volume. */
  system: StoredDisk;
  /** Application disk volume. */
  app?: StoredDisk;
  /** When it was imported, ISO 8601. */
  importedAt: string;
}

/** Total bytes a template occupies in the pool. */
export function templateSize(record: TemplateRecord): number {
  return [record.kernel, record.initrd, record.system, record.app].reduce(
    (sum, item) => sum + (item?.sizeBytes ?? 0),
    0,
  );
}

/** The template records of one configuration. */
export class TemplateStore {
  readonly #dir: string;

  /** @param dataDir the configuration's data directory */
  constructor(dataDir: string) {
    this.#dir = join(dataDir, 'templates');
  }

  /** The record of `name`, or undefined. */
  async get(name: string): Promise<TemplateRecord | undefined> {
    let text: string;
    try {
      text = await readFile(this.#file(name), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw ioFailure(`read the record of template ${name}`, error);
    }
    return parseRecord(name, text);
  }

  /** Every record, by name. */
  async all(): Promise<TemplateRecord[]> {
    let files: string[];
    try {
      files = await readdir(this.#dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw ioFailure('list the template records', error);
    }
    const names = files.filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -'.json'.length));
    const records = await Promise.all(names.filter((n) => NAME_PATTERN.test(n)).map((n) => this.get(n)));
    return records
      .filter((r): r is TemplateRecord => r !== undefined)
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** Writes a record atomically (a reader sees the old or the new one, never half). */
  async put(record: TemplateRecord): Promise<void> {
    const file = this.#file(record.name);
    const temp = `${file}.${process.pid}.tmp`;
    try {
      await mkdir(this.#dir, { recursive: true, mode: 0o700 });
      await writeFile(temp, `${JSON.stringify(record, null, 2)}\n`, { mode: 0o600 });
      await rename(temp, file);
    } catch (error) {
      await rm(temp, { force: true }).catch(() => {});
      throw ioFailure(`write the record of template ${record.name}`, error);
    }
  }

  /** Removes a record; a missing one is not an error. */
  async remove(name: string): Promise<void> {
    try {
      await rm(this.#file(name), { force: true });
    } catch (error) {
      throw ioFailure(`remove the record of template ${name}`, error);
    }
  }

  #file(name: string): string {
    return join(this.#dir, `${assertValidName('template', name)}.json`);
  }
}

function parseRecord(name: string, text: string): TemplateRecord {
  let record: Partial<TemplateRecord>;
  try {
    record = JSON.parse(text) as Partial<TemplateRecord>;
  } catch (cause) {
    throw corrupt(name, cause);
  }
  const volumeOk = (v: unknown) =>
    typeof v === 'object' &&
    v !== null &&
    typeof (v as StoredVolume).volume === 'string' &&
    typeof (v as StoredVolume).sizeBytes === 'number';
  if (
    record.version !== 1 ||
    record.name !== name ||
    !volumeOk(record.kernel) ||
    !volumeOk(record.initrd) ||
    !volumeOk(record.system) ||
    (record.app !== undefined && !volumeOk(record.app))
  ) {
    throw corrupt(name);
  }
  return record as TemplateRecord;
}

function corrupt(name: string, cause?: unknown): ImsError {
  return new ImsError(
    'IMS_STATE_CORRUPT',
    `The libvirt provider's record of template ${name} is unreadable.`,
    {
      ...(cause === undefined ? {} : { cause }),
      hint: `Delete the template with \`ims template delete\` and import it again.`,
      details: { template: name },
    },
  );
}

function ioFailure(what: string, cause: unknown): ImsError {
  const reason = (cause as NodeJS.ErrnoException).code ?? (cause instanceof Error ? cause.message : 'error');
  return new ImsError('IMS_IO_FAILED', `Could not ${what}: ${reason}.`, {
    cause,
    hint: "Check the permissions and free space of IMS's data directory.",
  });
}
