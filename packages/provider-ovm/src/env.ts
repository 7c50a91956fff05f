/**
 * What every operation module works with: the context, the options, the Manager, dom0 and the
 * VM records of one provider instance.
 */
import { posix } from 'node:path';
import { ImsError, type ProviderContext } from '@ims/spi';
import { DEFAULT_REQUEST_TIMEOUT_MS, LOCAL_DOM0, type OvmConfig } from './config.js';
import type { Dom0 } from './dom0/dom0.js';
import { localDom0 } from './dom0/local-dom0.js';
import { sshDom0 } from './dom0/ssh-dom0.js';
import { OvmManager } from './manager/api.js';
import type { ServerPool, VirtualServer } from './manager/types.js';
import { VmRecords } from './records.js';
import { SoapClient } from './soap/client.js';

/** The shared state of one provider instance. */
export interface OvmEnv {
  /** The host's context. */
  readonly context: ProviderContext;
  /** The validated options. */
  readonly config: OvmConfig;
  /** The OVM Manager. */
  readonly manager: OvmManager;
  /** dom0 (the pool master). */
  readonly dom0: Dom0;
  /** True when dom0 is this machine. */
  readonly localDom0: boolean;
  /** VMs this configuration made. */
  readonly records: VmRecords;
  /** `<ovsRoot>/seed_pool`. */
  readonly seedPool: string;
  /** The configured server pool (looked up once). */
  pool(): Promise<ServerPool>;
  /** The pool master (looked up once). */
  master(): Promise<VirtualServer>;
  /** Releases the HTTP connections and the SSH session. */
  close(): Promise<void>;
}

/** Builds the environment of a provider instance; connects to nothing. */
export function createEnv(context: ProviderContext, config: OvmConfig): OvmEnv {
  const soap = new SoapClient({
    managerUrl: config.managerUrl,
    username: config.username,
    password: config.password,
    timeoutMs: config.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
    signal: context.signal,
    logger: context.logger,
  });
  const manager = new OvmManager(soap);
  const pool = once(() => manager.serverPool(config.serverPool));
  const master = once(async () => manager.masterServer(await pool()));
  const isLocal = config.dom0Host === LOCAL_DOM0;
  const dom0 = isLocal
    ? localDom0(context)
    : sshDom0(context, config, async () => config.dom0Host ?? masterAddress(await master()));
  return {
    context,
    config,
    manager,
    dom0,
    localDom0: isLocal,
    records: new VmRecords(context.dataDir, context.logger),
    seedPool: posix.join(config.ovsRoot ?? '/OVS', 'seed_pool'),
    pool,
    master,
    async close() {
      soap.close();
      await dom0.close();
    },
  };
}

function masterAddress(master: VirtualServer): string {
  if (master.ip !== '') return master.ip;
  throw new ImsError(
    'IMS_PROVIDER_ERROR',
    `The OVM Manager reports no address for the pool master ${master.name}.`,
    {
      hint: 'Set dom0Host in the configuration to the SSH address of the pool master.',
      details: { master: master.name },
    },
  );
}

/** A lookup made once; a failed one is tried again on the next call. */
function once<T>(load: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | undefined;
  return () => {
    if (pending === undefined) {
      const attempt = load();
      pending = attempt;
      attempt.catch(() => {
        if (pending === attempt) pending = undefined;
      });
    }
    return pending;
  };
}
