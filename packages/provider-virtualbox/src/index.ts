import { defineProvider } from '@ims/spi';
import { type VirtualBoxConfig, VirtualBoxConfigSchema } from './config.js';
import { createVirtualBoxProvider } from './provider.js';

export { NIC_TYPES, type VirtualBoxConfig, VirtualBoxConfigSchema } from './config.js';
export { createVirtualBoxProvider } from './provider.js';

/** The VirtualBox provider plugin. */
export default defineProvider({
  id: 'virtualbox',
  spi: '^1.2.0',
  displayName: 'VirtualBox',
  configSchema: VirtualBoxConfigSchema,
  capabilities: {
    suspend: true,
    metrics: true,
    guestAddresses: true,
    unmanagedVms: true,
    templateDelete: true,
  },
  create: (context, config: VirtualBoxConfig) => createVirtualBoxProvider(context, config),
});
