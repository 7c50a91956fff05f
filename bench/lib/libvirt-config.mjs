// An IMS configuration on the real daemon for one benchmark: its own IMS_HOME, storage pool,
// console log directory and temporary directory, all removed again by the cleanup it registers
// (whatever state a failed run left behind).
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { runIms } from './ims.mjs';
import { openLibvirt, removePoolAndItsDomains } from './libvirt.mjs';
import { libvirtTempDir, uniqueName } from './paths.mjs';

/**
 * Creates configuration `configName` (qemu:///system, software emulation, user-mode NIC) with a
 * unique pool in a new temporary directory; `scope.defer` gets the cleanup before anything exists.
 */
export function createLibvirtConfig(scope, { prefix, configName, defaultMemory = 192 }) {
  const dir = libvirtTempDir(`ims-bench-${prefix}`);
  const home = join(dir, 'home');
  const poolName = uniqueName(`ims-bench-${prefix}`);
  scope.defer(async () => {
    const client = await openLibvirt();
    try {
      await removePoolAndItsDomains(client, poolName);
    } finally {
      await client.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
  runIms(home, [
    'config',
    'create',
    configName,
    '--provider',
    'libvirt',
    '--uri',
    'qemu:///system',
    '--domain-type',
    'qemu',
    '--pool',
    poolName,
    '--pool-path',
    join(dir, 'pool'),
    '--console-log-dir',
    join(dir, 'logs'),
    '--network',
    'user',
    '--default-memory',
    String(defaultMemory),
  ]);
  return { dir, home, poolName, configName };
}
