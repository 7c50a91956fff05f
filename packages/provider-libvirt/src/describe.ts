/**
 * What `ims config test` shows: the hypervisor and libvirt versions, the host, and the pool.
 */
import type { ConnectionInfo } from '@ims/spi';
import type { ProviderEnv } from './env.js';
import { StoragePoolState } from './rpc/index.js';
import { findPool, poolDirectory } from './storage.js';

/** Connects and describes the other end. */
export async function describe(env: ProviderEnv): Promise<ConnectionInfo> {
  return env.connection.use(
    async (client) => {
      const [hypervisor, library, hostname, pool] = await Promise.all([
        client.hypervisorVersion(),
        client.libVersion(),
        client.hostname(),
        findPool(client, env.config.pool),
      ]);
      let poolState = `not created yet (will be a dir pool at ${poolDirectory(env.poolSettings)})`;
      if (pool !== undefined) {
        const info = await client.getStoragePoolInfo(pool);
        poolState = info.state === StoragePoolState.RUNNING ? 'active' : 'inactive (started on first use)';
      }
      return {
        hypervisor: env.connection.uri.driver === 'qemu' ? 'QEMU' : 'libvirt test driver',
        version: versionText(hypervisor),
        details: {
          libvirt: versionText(library),
          hostname,
          uri: env.config.uri,
          domainType: env.config.domainType,
          pool: `${env.config.pool}: ${poolState}`,
        },
      };
    },
    { retry: true },
  );
}

/** libvirt's encoded version (major * 1 000 000 + minor * 1 000 + micro) as `major.minor.micro`. */
export function versionText(encoded: number): string {
  const major = Math.floor(encoded / 1_000_000);
  const minor = Math.floor((encoded % 1_000_000) / 1_000);
  return `${major}.${minor}.${encoded % 1_000}`;
}
