/** Templates of the simulated Manager: directories in seed_pool, registered (PENDING) then approved (ACTIVE). */
import { readdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { otherFailure, templateNotFound } from './faults.js';
import type { SimulatedTemplate } from './model-types.js';
import { isPlainDirName } from './ovs-paths.js';
import { cfgValue } from './vm-cfg.js';

/** What a template's vm.cfg says about the VMs made from it. */
export interface TemplateShape {
  /** Memory in MiB (`memory`). */
  memoryMiB: number;
  /** Virtual CPUs (`vcpus`). */
  cpus: number;
  /** HVM when `builder = 'hvm'`. */
  vmType: 'PVM' | 'HVM';
}

/** Reads memory, vcpus and the builder from a vm.cfg text (defaults when absent). */
export function templateShape(vmCfg: string): TemplateShape {
  const memory = cfgValue(vmCfg, 'memory');
  const vcpus = cfgValue(vmCfg, 'vcpus');
  // modelled: defaults for a vm.cfg without memory/vcpus
  return {
    memoryMiB: typeof memory === 'number' ? memory : 512,
    cpus: typeof vcpus === 'number' ? vcpus : 1,
    vmType: cfgValue(vmCfg, 'builder') === 'hvm' ? 'HVM' : 'PVM',
  };
}

/** The registered templates of one pool, backed by `seedPool`. */
export class TemplateRegistry {
  private readonly templates = new Map<string, SimulatedTemplate>();

  /** @param seedPool the seed_pool directory; @param nextId hands out imgIds; @param changed runs after every change */
  constructor(
    private readonly seedPool: string,
    private readonly nextId: () => number,
    private readonly changed: () => void = () => undefined,
  ) {}

  /** Takes back templates a previous run registered, those whose directory is still in seed_pool. */
  async restore(templates: readonly SimulatedTemplate[]): Promise<void> {
    for (const template of templates) {
      if (isPlainDirName(template.name) && (await isFile(join(this.seedPool, template.name, 'vm.cfg')))) {
        this.templates.set(template.name, { ...template });
      }
    }
  }

  /** Directory names in seed_pool that hold a vm.cfg and are not registered. */
  async discoverable(): Promise<string[]> {
    // confirmed: reference "getAllDiscoverableTemplates (directories found in seed_pool, not yet registered)"
    const entries = await readdir(this.seedPool, { withFileTypes: true }).catch(() => []);
    const found: string[] = [];
    for (const entry of entries) {
      if (!entry.isDirectory() || this.templates.has(entry.name)) continue;
      if (await isFile(join(this.seedPool, entry.name, 'vm.cfg'))) found.push(entry.name);
    }
    return found.sort();
  }

  /** Registers a discovered template as PENDING. */
  async register(name: string): Promise<SimulatedTemplate> {
    if (this.templates.has(name)) throw otherFailure(`Template already registered: ${name}`);
    if (!isPlainDirName(name)) throw templateNotFound(name);
    const cfg = await readFile(join(this.seedPool, name, 'vm.cfg'), 'utf8').catch(() => undefined);
    if (cfg === undefined) throw templateNotFound(name);
    // modelled: registerTemplate creates a PENDING template (name and behaviour not confirmed)
    const template: SimulatedTemplate = {
      name,
      imgId: this.nextId(),
      status: 'PENDING',
      ...templateShape(cfg),
      createTime: Date.now(),
    };
    this.templates.set(name, template);
    this.changed();
    return template;
  }

  /** PENDING → ACTIVE (approving an ACTIVE template changes nothing). */
  approve(name: string): SimulatedTemplate {
    const template = this.require(name);
    // confirmed: reference "Template lifecycle: discovered → registered (pending) → approved (active)"
    template.status = 'ACTIVE';
    this.changed();
    return template;
  }

  /** Every registered template. */
  list(): SimulatedTemplate[] {
    return [...this.templates.values()];
  }

  /** The registered template called `name`; OVM-1002 otherwise. */
  require(name: string): SimulatedTemplate {
    const template = this.templates.get(name);
    if (template === undefined) throw templateNotFound(name);
    return template;
  }

  /** True when `name` is a registered template. */
  has(name: string): boolean {
    return this.templates.has(name);
  }

  /** Unregisters the template and removes its seed_pool directory. */
  async delete(name: string): Promise<void> {
    this.require(name);
    this.templates.delete(name);
    this.changed();
    // modelled: deleteTemplate also removes the directory (contract)
    await rm(join(this.seedPool, name), { recursive: true, force: true });
  }
}

async function isFile(path: string): Promise<boolean> {
  return stat(path).then(
    (s) => s.isFile(),
    () => false,
  );
}
