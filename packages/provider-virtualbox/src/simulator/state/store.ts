import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SimRegistry, SimVm } from './types.js';

const REGISTRY_FILE = 'registry.json';
const MACHINES_DIR = 'machines';

function emptyRegistry(): SimRegistry {
  return { version: null, machines: [], starts: 0, media: {} };
}

async function readJson<T>(path: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as T;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** Writes through a temporary file and a rename, so a reader never sees half a file. */
async function writeAtomic(path: string, text: string): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, text, { mode: 0o600 });
  await rename(tmp, path);
}

/** Reads the registry of a state directory without taking the lock (for `--version`). */
export async function peekRegistry(home: string): Promise<SimRegistry | undefined> {
  return readJson<SimRegistry>(join(home, REGISTRY_FILE));
}

/** The state directory: a registry plus one JSON file per VM. Load and save under the state lock. */
export class SimStore {
  private readonly saved = new Map<string, string>();
  private savedRegistry = '';

  private constructor(
    private readonly home: string,
    /** The registry. */
    readonly registry: SimRegistry,
    /** VMs by UUID (registered ones). */
    readonly vms: Map<string, SimVm>,
  ) {}

  /** Loads the state directory, creating it when missing. */
  static async load(home: string): Promise<SimStore> {
    await mkdir(join(home, MACHINES_DIR), { recursive: true });
    const registry = (await readJson<SimRegistry>(join(home, REGISTRY_FILE))) ?? emptyRegistry();
    const vms = new Map<string, SimVm>();
    const store = new SimStore(home, registry, vms);
    for (const uuid of registry.machines) {
      const vm = await readJson<SimVm>(store.vmFile(uuid));
      if (!vm) continue;
      vms.set(uuid, vm);
      store.saved.set(uuid, JSON.stringify(vm));
    }
    registry.machines = registry.machines.filter((uuid) => vms.has(uuid));
    store.savedRegistry = JSON.stringify(registry);
    return store;
  }

  private vmFile(uuid: string): string {
    return join(this.home, MACHINES_DIR, `${uuid}.json`);
  }

  /** Registered VMs in registration order. */
  list(): SimVm[] {
    return this.registry.machines.flatMap((uuid) => this.vms.get(uuid) ?? []);
  }

  /** Registers a VM. */
  add(vm: SimVm): void {
    this.vms.set(vm.uuid, vm);
    this.registry.machines.push(vm.uuid);
  }

  /** Unregisters a VM. */
  remove(uuid: string): void {
    this.vms.delete(uuid);
    this.registry.machines = this.registry.machines.filter((id) => id !== uuid);
  }

  /** Writes what changed since loading. */
  async save(): Promise<void> {
    for (const [uuid, vm] of this.vms) {
      const text = JSON.stringify(vm);
      if (this.saved.get(uuid) !== text) await writeAtomic(this.vmFile(uuid), text);
    }
    for (const uuid of this.saved.keys()) {
      if (!this.vms.has(uuid)) await rm(this.vmFile(uuid), { force: true });
    }
    const registry = JSON.stringify(this.registry);
    if (registry !== this.savedRegistry) await writeAtomic(join(this.home, REGISTRY_FILE), registry);
  }

  /** Files left by processes that died mid-write are harmless but untidy; drop them. */
  async sweepTemporaryFiles(): Promise<void> {
    const names = await readdir(join(this.home, MACHINES_DIR));
    for (const name of names) {
      if (name.endsWith('.tmp')) await rm(join(this.home, MACHINES_DIR, name), { force: true });
    }
  }
}
