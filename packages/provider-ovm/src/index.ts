import { defineProvider } from '@ims/spi';
import { type OvmConfig, OvmConfigSchema } from './config.js';
import { createOvmProvider } from './provider.js';

export { LOCAL_DOM0, type OvmConfig, OvmConfigSchema } from './config.js';
export { createOvmProvider } from './provider.js';

/** The Oracle VM 2.2 provider plugin. */
export default defineProvider({
  id: 'ovm',
  spi: '^1.2.0',
  displayName: 'Oracle VM 2.2',
  configSchema: OvmConfigSchema,
  capabilities: {
    suspend: true,
    metrics: true,
    guestAddresses: true,
    unmanagedVms: true,
    templateDelete: true,
  },
  create: (context, config: OvmConfig) => createOvmProvider(context, config),
});
