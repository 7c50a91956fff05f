/** A provider reaching the simulator through a real sshd on 127.0.0.1, as a remote VirtualBox host. */
import type { Provider } from '@ims/spi';
import type { TestSshd } from '../../core/test/ssh/sshd.js';
import type { VirtualBoxConfig } from '../src/config.js';
import plugin from '../src/index.js';
import { type SimFixture, simConfig } from './sim-fixture.js';

/** The options of a configuration running `vboxManage` on 127.0.0.1 through `sshd`, host key pinned. */
export function sshConfig(
  sshd: TestSshd,
  vboxManage: string,
  vmFolder: string,
  overrides: Partial<VirtualBoxConfig> = {},
): VirtualBoxConfig {
  return simConfig(vboxManage, vmFolder, {
    host: '127.0.0.1',
    sshPort: sshd.port,
    sshUser: sshd.username,
    sshKey: sshd.clientKeyPath,
    hostKeyFingerprint: sshd.fingerprint,
    ...overrides,
  });
}

/** A second provider on the fixture's simulator, over SSH. */
export async function sshProvider(
  fixture: SimFixture,
  sshd: TestSshd,
  overrides: Partial<VirtualBoxConfig> = {},
): Promise<Provider> {
  return plugin.create(fixture.context, sshConfig(sshd, fixture.vboxManage, fixture.vmFolder, overrides));
}
