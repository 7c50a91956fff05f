import { defineProvider } from '@ims/spi';
import { Type } from '@ims/spi/schema';
import { unavailableProvider } from './unavailable.js';

/** Configuration of a VirtualBox provider instance (`ims config create NAME --provider virtualbox ...`). */
export const VirtualBoxConfigSchema = Type.Object(
  {
    vboxmanage: Type.String({
      default: 'VBoxManage',
      description: 'VBoxManage executable (name on PATH or absolute path)',
    }),
    host: Type.Optional(
      Type.String({
        pattern: '^[a-zA-Z0-9.:-]+$',
        description: 'run VBoxManage on this host over SSH instead of locally',
      }),
    ),
    sshUser: Type.Optional(Type.String({ description: 'SSH user on --host' })),
    sshPort: Type.Integer({ default: 22, minimum: 1, maximum: 65535, description: 'SSH port of --host' }),
    sshKey: Type.Optional(Type.String({ description: 'private key file for SSH to --host' })),
    sshPassword: Type.Optional(
      Type.String({
        writeOnly: true,
        description: 'SSH password for --host (prefer --ssh-password-env VAR)',
      }),
    ),
    hostKeyFingerprint: Type.Optional(
      Type.String({
        pattern: '^SHA256:[A-Za-z0-9+/]{43}$',
        description: 'expected SSH host key of --host (SHA256:...)',
      }),
    ),
    basefolder: Type.Optional(
      Type.String({ description: 'folder for VM files (VBoxManage createvm --basefolder)' }),
    ),
  },
  { additionalProperties: false },
);

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
    unmanagedVms: false,
    templateDelete: true,
  },
  create: () => unavailableProvider('virtualbox'),
});
