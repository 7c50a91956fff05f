import { defineProvider } from '@ims/spi';
import { type VirtualBoxConfig, VirtualBoxConfigSchema } from './config.js';
import { VirtualBoxProvider } from './provider.js';

export { NIC_TYPES, type VirtualBoxConfig, VirtualBoxConfigSchema } from './config.js';
export { VirtualBoxProvider } from './provider.js';

/** The VirtualBox provider plugin. */
export default defineProvider({
  id: 'virtualbox',
  spi: '^1.0.0',
  displayName: 'VirtualBox',
  configSchema: VirtualBoxConfigSchema,
  capabilities: {
    suspend: true,
    metrics: true,
    guestAddresses: true,
    unmanagedVms: true,
    templateDelete: true,
  },
  create: (context, config: VirtualBoxConfig) => new VirtualBoxProvider(context, config),
});
