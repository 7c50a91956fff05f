import { defineProvider } from '@ims/spi';
import { Type } from '@ims/spi/schema';
import { unavailableProvider } from './unavailable.js';

/** Configuration of an Oracle VM 2.2 provider instance (`ims config create NAME --provider ovm ...`). */
export const OvmConfigSchema = Type.Object(
  {
    managerUrl: Type.String({
      pattern: '^https?://[^\\s/]+(:[0-9]+)?/?$',
      description: 'OVM Manager base URL, e.g. http://manager:8888',
    }),
    username: Type.String({ minLength: 1, description: 'OVM Manager user' }),
    password: Type.String({
      writeOnly: true,
      description: 'OVM Manager password (prefer --password-env VAR)',
    }),
    serverPool: Type.String({ minLength: 1, description: 'server pool to place VMs in' }),
    dom0User: Type.String({ default: 'root', description: 'SSH user on the server pool master (dom0)' }),
    dom0Key: Type.Optional(Type.String({ description: 'private key file for SSH to dom0' })),
    dom0Password: Type.Optional(
      Type.String({ writeOnly: true, description: 'SSH password for dom0 (prefer --dom0-password-env VAR)' }),
    ),
    dom0Port: Type.Integer({ default: 22, minimum: 1, maximum: 65535, description: 'SSH port of dom0' }),
    hostKeyFingerprint: Type.Optional(
      Type.String({
        pattern: '^SHA256:[A-Za-z0-9+/]{43}$',
        description: 'expected SSH host key of dom0 (SHA256:...)',
      }),
    ),
    ovsRoot: Type.String({
      default: '/OVS',
      description: 'OVS repository root on dom0 (seed_pool, running_pool)',
    }),
  },
  { additionalProperties: false },
);

/** The Oracle VM 2.2 provider plugin. */
export default defineProvider({
  id: 'ovm',
  spi: '^1.0.0',
  displayName: 'Oracle VM 2.2',
  configSchema: OvmConfigSchema,
  capabilities: {
    suspend: true,
    metrics: true,
    guestAddresses: true,
    unmanagedVms: true,
    templateDelete: true,
  },
  create: () => unavailableProvider('ovm'),
});
