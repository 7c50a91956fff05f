/**
 * The VirtualBox provider: each operation lives in its own module; this class only ties them to
 * one configuration's environment. Status and listing are loaded with it; the other modules on
 * first use, because each `ims` command is a new process that runs one operation.
 */
import type {
  ConnectionInfo,
  DeleteOptions,
  GuestAddress,
  Provider,
  ProviderContext,
  StartOptions,
  StopOptions,
  TemplateImportRequest,
  TemplateInfo,
  VmCreated,
  VmListing,
  VmMetricsSample,
  VmSpec,
  VmStatus,
} from '@ims/spi';
import type { VirtualBoxConfig } from './config.js';
import { createEnv, type ProviderEnv } from './env.js';
import { getStatus, listVms } from './inventory.js';

/** A VirtualBox provider instance for one configuration; runs nothing until first use. */
export class VirtualBoxProvider implements Provider {
  readonly #env: ProviderEnv;

  /** Makes the instance (a remote host without --vm-folder fails here). */
  constructor(context: ProviderContext, config: VirtualBoxConfig) {
    this.#env = createEnv(context, config);
  }

  /** See {@link Provider.describe}. */
  async describe(): Promise<ConnectionInfo> {
    return (await import('./describe.js')).describe(this.#env);
  }

  /** See {@link Provider.importTemplate}. */
  async importTemplate(request: TemplateImportRequest): Promise<TemplateInfo> {
    return (await import('./templates.js')).importTemplate(this.#env, request);
  }

  /** See {@link Provider.listTemplates}. */
  async listTemplates(): Promise<TemplateInfo[]> {
    return (await import('./templates.js')).listTemplates(this.#env);
  }

  /** See {@link Provider.deleteTemplate}. */
  async deleteTemplate(name: string): Promise<void> {
    return (await import('./templates.js')).deleteTemplate(this.#env, name);
  }

  /** See {@link Provider.createVm}. */
  async createVm(spec: VmSpec): Promise<VmCreated> {
    return (await import('./vm-create.js')).createVm(this.#env, spec);
  }

  /** See {@link Provider.startVm}. */
  async startVm(name: string, options: StartOptions): Promise<void> {
    return (await import('./vm-power.js')).startVm(this.#env, name, options);
  }

  /** See {@link Provider.stopVm}. */
  async stopVm(name: string, options: StopOptions): Promise<void> {
    return (await import('./vm-power.js')).stopVm(this.#env, name, options);
  }

  /** See {@link Provider.suspendVm}. */
  async suspendVm(name: string): Promise<void> {
    return (await import('./vm-power.js')).suspendVm(this.#env, name);
  }

  /** See {@link Provider.resumeVm}. */
  async resumeVm(name: string): Promise<void> {
    return (await import('./vm-power.js')).resumeVm(this.#env, name);
  }

  /** See {@link Provider.deleteVm}. */
  async deleteVm(name: string, options: DeleteOptions): Promise<void> {
    return (await import('./vm-delete.js')).deleteVm(this.#env, name, options);
  }

  /** See {@link Provider.getStatus}. */
  getStatus(name: string): Promise<VmStatus> {
    return getStatus(this.#env, name);
  }

  /** See {@link Provider.listVms}. */
  listVms(options: { includeUnmanaged: boolean }): Promise<VmListing[]> {
    return listVms(this.#env, options);
  }

  /** See {@link Provider.getMetrics}. */
  async getMetrics(names: readonly string[]): Promise<VmMetricsSample[]> {
    return (await import('./metrics.js')).getMetrics(this.#env, names);
  }

  /** See {@link Provider.getAddresses}. */
  async getAddresses(name: string): Promise<GuestAddress[]> {
    return (await import('./addresses.js')).getAddresses(this.#env, name);
  }

  /** See {@link Provider.close}. */
  close(): Promise<void> {
    return this.#env.host.close();
  }
}
