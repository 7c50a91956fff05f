import { Schema, type Static } from '@ims/spi/config-schema';
import { VM_FOLDER_PATTERN } from './vm-folder-pattern.js';

/** The NIC types `VBoxManage modifyvm --nictypeN` accepts. */
export const NIC_TYPES = [
  'virtio',
  '82540EM',
  '82543GC',
  '82545EM',
  'Am79C970A',
  'Am79C973',
  'Am79C960',
] as const;

/** Configuration of a VirtualBox provider instance (`ims config create NAME --provider virtualbox ...`). */
export const VirtualBoxConfigSchema = Schema.Object(
  {
    vboxManage: Schema.String({
      default: 'VBoxManage',
      minLength: 1,
      description: 'VBoxManage executable on the VirtualBox host (name on PATH or absolute path)',
    }),
    host: Schema.Optional(
      Schema.String({
        pattern: '^[a-zA-Z0-9.:-]+$',
        description: 'run VBoxManage on this host over SSH instead of locally',
      }),
    ),
    sshUser: Schema.String({ default: 'root', minLength: 1, description: 'SSH user on --host' }),
    sshPort: Schema.Integer({ default: 22, minimum: 1, maximum: 65535, description: 'SSH port of --host' }),
    sshKey: Schema.Optional(Schema.String({ description: 'private key file for SSH to --host' })),
    sshPassword: Schema.Optional(
      Schema.String({
        writeOnly: true,
        description: 'SSH password for --host (prefer --ssh-password-env VAR)',
      }),
    ),
    hostKeyFingerprint: Schema.Optional(
      Schema.String({
        pattern: '^SHA256:[A-Za-z0-9+/]{43}$',
        description: 'expected SSH host key of --host (SHA256:...)',
      }),
    ),
    acceptNewHostKey: Schema.Optional(
      Schema.Boolean({
        default: false,
        description:
          'trust and record an unknown SSH host key of --host on first use (a changed key is never accepted)',
      }),
    ),
    vmFolder: Schema.Optional(
      Schema.String({
        pattern: VM_FOLDER_PATTERN,
        description:
          'absolute folder on the VirtualBox host for VMs and template disks (required with --host; locally the default is the configuration data directory); not /, a system folder or a home directory itself',
      }),
    ),
    nicType: Schema.Union(
      NIC_TYPES.map((t) => Schema.Literal(t)),
      {
        default: 'virtio',
        description: 'NIC type (the Debian cloud kernel of IMS templates only has virtio drivers)',
      },
    ),
    lockRetrySeconds: Schema.Number({
      default: 5,
      minimum: 0,
      maximum: 300,
      description: 'how long to retry a VBoxManage call while VirtualBox holds the VM locked',
    }),
    commandTimeoutSeconds: Schema.Integer({
      default: 600,
      minimum: 10,
      description: 'kill a VBoxManage call that runs longer than this (disk conversions included)',
    }),
  },
  { additionalProperties: false },
);

/** The validated options of one VirtualBox configuration. */
export type VirtualBoxConfig = Static<typeof VirtualBoxConfigSchema>;
