import { Schema, type Static } from '@ims/spi/config-schema';

/** Where the serial console logs go when `consoleLogDir` is not set: it exists wherever libvirt's QEMU driver runs. */
export const DEFAULT_CONSOLE_LOG_DIR = '/var/log/libvirt/qemu';

/** Parent of the directory a missing pool is created in, when `poolPath` is not set. */
export const DEFAULT_POOL_PARENT = '/var/lib/ims/pools';

/** Configuration of a libvirt provider instance (`ims config create NAME --provider libvirt ...`). */
export const LibvirtConfigSchema = Schema.Object(
  {
    uri: Schema.String({
      default: 'qemu:///system',
      pattern: '^(qemu|test)(\\+(unix|ssh))?://[^\\s]*$',
      description: 'libvirt connection URI: qemu:///system, qemu+ssh://user@host/system, or test:///default',
    }),
    domainType: Schema.Union([Schema.Literal('kvm'), Schema.Literal('qemu')], {
      default: 'kvm',
      description: 'domain type: kvm (hardware virtualization) or qemu (software emulation)',
    }),
    pool: Schema.String({
      default: 'ims',
      pattern: '^[a-zA-Z0-9][a-zA-Z0-9._-]{0,62}$',
      description:
        'storage pool for templates, disks and boot images; created as a "dir" pool at --pool-path when missing',
    }),
    poolPath: Schema.Optional(
      Schema.String({
        pattern: '^/[^\\s]*$',
        description: `directory on the libvirt host for the pool when IMS has to create it (default ${DEFAULT_POOL_PARENT}/<pool>)`,
      }),
    ),
    network: Schema.String({
      default: 'user',
      pattern: '^[a-zA-Z0-9][a-zA-Z0-9._-]{0,62}$',
      description: 'libvirt network for the NIC, or "user" for user-mode networking',
    }),
    nicModel: Schema.String({
      default: 'virtio',
      pattern: '^[a-z0-9-]{1,32}$',
      description: 'NIC model (virtio, e1000, rtl8139)',
    }),
    consoleLogDir: Schema.Optional(
      Schema.String({
        pattern: '^/[^\\s]*$',
        description: `directory on the libvirt host for guest serial console logs, <vm>.console (default ${DEFAULT_CONSOLE_LOG_DIR})`,
      }),
    ),
    defaultCpus: Schema.Integer({
      default: 1,
      minimum: 1,
      maximum: 256,
      description: 'vCPUs of a new VM when --cpus is not given',
    }),
    defaultMemory: Schema.Integer({
      default: 512,
      minimum: 32,
      description: 'memory of a new VM in MiB when --memory is not given',
    }),
    sshKey: Schema.Optional(Schema.String({ description: 'private key file for qemu+ssh:// URIs' })),
    sshPassword: Schema.Optional(
      Schema.String({
        writeOnly: true,
        description: 'SSH password for qemu+ssh:// URIs (prefer --ssh-password-env VAR)',
      }),
    ),
    hostKeyFingerprint: Schema.Optional(
      Schema.String({
        pattern: '^SHA256:[A-Za-z0-9+/]{43}$',
        description: 'expected SSH host key (SHA256:...) for qemu+ssh:// URIs',
      }),
    ),
    acceptNewHostKey: Schema.Optional(
      Schema.Boolean({
        default: false,
        description:
          'qemu+ssh:// URIs: trust and record an unknown SSH host key on first use (a changed key is never accepted)',
      }),
    ),
  },
  { additionalProperties: false },
);

/** The validated options of one libvirt configuration. */
export type LibvirtConfig = Static<typeof LibvirtConfigSchema>;
