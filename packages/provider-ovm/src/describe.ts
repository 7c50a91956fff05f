/** `ims config test`: the pool, its master and the agent on it, and how dom0 is reached. */
import type { ConnectionInfo } from '@ims/spi';
import type { OvmEnv } from './env.js';

/** Connects to the Manager and says what is there. */
export async function describe(env: OvmEnv): Promise<ConnectionInfo> {
  const pool = await env.pool();
  const master = await env.master();
  const version = await env.manager.agentVersion(master);
  return {
    hypervisor: 'Oracle VM Manager',
    version: version === '' ? 'unknown' : version,
    details: {
      manager: env.manager.endpoint().replace(/\/OVSWS\/.*$/, ''),
      serverPool: pool.name,
      master: master.name === '' ? master.ip : `${master.name} (${master.ip})`,
      dom0: env.localDom0 ? 'local (this machine)' : await env.dom0.where(),
      ovsRoot: env.config.ovsRoot,
    },
  };
}
