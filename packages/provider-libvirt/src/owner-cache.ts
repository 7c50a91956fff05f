/**
 * Which domains belong to this configuration, remembered by UUID in the data directory, so that
 * listing a large host asks libvirt for the XML of new domains only. A domain's UUID never
 * changes and IMS writes its ownership metadata once, at define time, so an entry stays true for
 * the domain's life. Losing the file only costs one slower listing.
 */
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

interface CacheFile {
  version: 1;
  /** UUID → true when the domain is this configuration's. */
  owners: Record<string, boolean>;
}

/** Domain ownership by UUID. */
export class OwnerCache {
  readonly #file: string;
  #pending: Promise<void> = Promise.resolve();

  /** @param dataDir the configuration's data directory */
  constructor(dataDir: string) {
    this.#file = join(dataDir, 'domain-owners.json');
  }

  /** What is known, by UUID; empty when nothing is (or the file is unreadable). */
  async load(): Promise<Map<string, boolean>> {
    await this.#pending;
    try {
      const parsed = JSON.parse(await readFile(this.#file, 'utf8')) as Partial<CacheFile>;
      if (parsed.version !== 1 || typeof parsed.owners !== 'object' || parsed.owners === null)
        return new Map();
      return new Map(Object.entries(parsed.owners).filter(([, mine]) => typeof mine === 'boolean'));
    } catch {
      return new Map();
    }
  }

  /** Replaces what is known (writes are serialized and atomic; a failure only loses the cache). */
  save(owners: ReadonlyMap<string, boolean>): Promise<void> {
    const document: CacheFile = { version: 1, owners: Object.fromEntries(owners) };
    this.#pending = this.#pending.then(() => this.#write(document));
    return this.#pending;
  }

  /** Records one domain's owner. */
  async remember(uuid: string, mine: boolean): Promise<void> {
    const owners = await this.load();
    owners.set(uuid, mine);
    await this.save(owners);
  }

  /** Forgets one domain. */
  async forget(uuid: string): Promise<void> {
    const owners = await this.load();
    if (owners.delete(uuid)) await this.save(owners);
  }

  async #write(document: CacheFile): Promise<void> {
    const temp = `${this.#file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    try {
      await mkdir(join(this.#file, '..'), { recursive: true, mode: 0o700 });
      await writeFile(temp, JSON.stringify(document), { mode: 0o600 });
      await rename(temp, this.#file);
    } catch {
      await rm(temp, { force: true }).catch(() => {});
    }
  }
}
