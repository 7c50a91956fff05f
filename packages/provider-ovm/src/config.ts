import { Schema, type Static } from '@ims/spi/config-schema';

/** The `dom0Host` value that makes IMS treat this machine as dom0 (plain files, local commands, no SSH). */
export const LOCAL_DOM0 = 'local';

/** How long one web-service request may take when `requestTimeoutMs` is not set. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

/** Configuration of an Oracle VM 2.2 provider instance (`ims config create NAME --provider ovm ...`). */
export const OvmConfigSchema = Schema.Object(
  {
    managerUrl: Schema.String({
      // No `@`: credentials in the URL would be stored in clear; they go in username and password.
      pattern: '^https?://[^\\s/@]+(:[0-9]+)?/?$',
      description: 'OVM Manager base URL, e.g. http://manager:8888',
    }),
    username: Schema.String({ minLength: 1, description: 'OVM Manager user' }),
    password: Schema.String({
      writeOnly: true,
      description: 'OVM Manager password (prefer --password-env VAR)',
    }),
    serverPool: Schema.String({ minLength: 1, description: 'server pool to place VMs in' }),
    dom0Host: Schema.Optional(
      Schema.String({
        pattern: '^[A-Za-z0-9._:-]{1,253}$',
        description:
          'SSH host of dom0 (default: the server pool master\'s address from the Manager); "local" = dom0 is this machine',
      }),
    ),
    dom0User: Schema.String({ default: 'root', description: 'SSH user on the server pool master (dom0)' }),
    dom0Key: Schema.Optional(Schema.String({ description: 'private key file for SSH to dom0' })),
    dom0Password: Schema.Optional(
      Schema.String({
        writeOnly: true,
        description: 'SSH password for dom0 (prefer --dom0-password-env VAR)',
      }),
    ),
    dom0Port: Schema.Integer({ default: 22, minimum: 1, maximum: 65535, description: 'SSH port of dom0' }),
    hostKeyFingerprint: Schema.Optional(
      Schema.String({
        pattern: '^SHA256:[A-Za-z0-9+/]{43}$',
        description: 'expected SSH host key of dom0 (SHA256:...)',
      }),
    ),
    ovsRoot: Schema.String({
      default: '/OVS',
      pattern: '^/[^\\s]*$',
      description: 'OVS repository root on dom0 (seed_pool, running_pool)',
    }),
    bridge: Schema.String({
      default: 'xenbr0',
      pattern: '^[A-Za-z0-9._-]{1,15}$',
      description: 'Xen bridge the NIC of a new VM is attached to',
    }),
    xentopCommand: Schema.String({
      default: 'xentop',
      minLength: 1,
      description: 'the xentop program on dom0 that metrics are read from (name or absolute path)',
    }),
    requestTimeoutMs: Schema.Integer({
      default: DEFAULT_REQUEST_TIMEOUT_MS,
      minimum: 100,
      maximum: 3_600_000,
      description: 'time limit of one OVM Manager web-service request, in milliseconds',
    }),
  },
  { additionalProperties: false },
);

/** The validated options of one Oracle VM configuration. */
export type OvmConfig = Static<typeof OvmConfigSchema>;
