/**
 * The libvirt provider: each operation lives in its own module; `providerFromOperations` ties them
 * to one configuration's environment. Listing and status are loaded with it; every other operation's
 * module (and the XML library behind it) is loaded on first use, because each `ims` command is a
 * new process that runs one operation.
 */
import { type Provider, type ProviderContext, providerFromOperations } from '@ims/spi';
import type { LibvirtConfig } from './config.js';
import { createEnv, type ProviderEnv } from './env.js';
import { getStatus, listVms } from './inventory.js';

/** A libvirt provider for one configuration; connects on first use (a malformed URI fails here). */
export function createLibvirtProvider(context: ProviderContext, config: LibvirtConfig): Provider {
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
    () => env.connection.close(),
  );
}
