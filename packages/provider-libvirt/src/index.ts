import { defineProvider } from '@ims/spi';
import { type LibvirtConfig, LibvirtConfigSchema } from './config.js';
import { createLibvirtProvider } from './provider.js';

export { type LibvirtConfig, LibvirtConfigSchema } from './config.js';
export { createLibvirtProvider } from './provider.js';

/** The libvirt provider plugin. */
export default defineProvider({
  id: 'libvirt',
  spi: '^1.2.0',
  displayName: 'libvirt / KVM',
  configSchema: LibvirtConfigSchema,
  capabilities: {
    suspend: true,
    metrics: true,
    guestAddresses: true,
    unmanagedVms: true,
    templateDelete: true,
  },
  create: (context, config: LibvirtConfig) => createLibvirtProvider(context, config),
});
