/**
 * The VirtualBox provider: each operation lives in its own module; `providerFromOperations` ties them to
 * one configuration's environment. Status and listing are loaded with it; the other modules on
 * first use, because each `ims` command is a new process that runs one operation.
 */
import { type Provider, type ProviderContext, providerFromOperations } from '@ims/spi';
import type { VirtualBoxConfig } from './config.js';
import { createEnv, type ProviderEnv } from './env.js';
import { getStatus, listVms } from './inventory.js';

/** A VirtualBox provider for one configuration; runs nothing until first use (a remote host without --vm-folder fails here). */
export function createVirtualBoxProvider(context: ProviderContext, config: VirtualBoxConfig): Provider {
  const env = createEnv(context, config);
  return providerFromOperations<ProviderEnv>(
    env,
    {
      describe: async () => (await import('./describe.js')).describe,
      importTemplate: async () => (await import('./templates.js')).importTemplate,
      listTemplates: async () => (await import('./templates.js')).listTemplates,
      deleteTemplate: async () => (await import('./templates.js')).deleteTemplate,
      createVm: async () => (await import('./vm-create.js')).createVm,
      startVm: async () => (await import('./vm-power.js')).startVm,
      stopVm: async () => (await import('./vm-power.js')).stopVm,
      suspendVm: async () => (await import('./vm-power.js')).suspendVm,
      resumeVm: async () => (await import('./vm-power.js')).resumeVm,
      deleteVm: async () => (await import('./vm-delete.js')).deleteVm,
      getStatus: () => getStatus,
      listVms: () => listVms,
      getMetrics: async () => (await import('./metrics.js')).getMetrics,
      getAddresses: async () => (await import('./addresses.js')).getAddresses,
    },
    () => env.host.close(),
  );
}
