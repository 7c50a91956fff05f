/** What `ims config test` shows: the VirtualBox version and where it runs. */
import type { ConnectionInfo } from '@ims/spi';
import type { ProviderEnv } from './env.js';
import { listRegistered } from './machines.js';

/** Runs `VBoxManage --version` (and `list vms`) and describes the other end. */
export async function describe(env: ProviderEnv): Promise<ConnectionInfo> {
  const version = await env.vbox.version();
  const vms = await listRegistered(env);
  return {
    hypervisor: 'VirtualBox',
    version: `${version.major}.${version.minor}.${version.patch}`,
    details: {
      build: version.text,
      host: env.host.target,
      vboxManage: env.vbox.executable,
      vmFolder: env.vmFolder,
      registeredVms: String(vms.length),
    },
  };
}
