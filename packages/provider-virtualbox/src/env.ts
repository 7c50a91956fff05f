/** What every operation module works with: the context, the options, the host, VBoxManage and the records. */
import { join } from 'node:path';
import { ImsError, type ProviderContext } from '@ims/spi';
import type { VirtualBoxConfig } from './config.js';
import { createHost, type VBoxHost } from './host.js';
import { type Records, recordsIn } from './records.js';
import { VBoxManage } from './vboxmanage.js';

/** Tries of a call that finds the machine locked. */
const LOCK_ATTEMPTS = 6;

/** The shared state of one provider instance. */
export interface ProviderEnv {
  /** The host's context. */
  readonly context: ProviderContext;
  /** The validated options. */
  readonly config: VirtualBoxConfig;
  /** The VirtualBox host. */
  readonly host: VBoxHost;
  /** VBoxManage on it. */
  readonly vbox: VBoxManage;
  /**
   * VBoxManage for undoing work after the operation was cancelled: its calls run under the
   * host's clean-up signal (SPI 1.3), so a Ctrl-C does not also cancel the removal of the half-made
   * VM it leaves; on older hosts under a signal that never fires.
   */
  readonly cleanupVbox: VBoxManage;
  /** What IMS remembers. */
  readonly records: Records;
  /** Folder on the VirtualBox host for VMs and templates. */
  readonly vmFolder: string;
}

/** Builds the environment of a provider instance; connects to nothing. */
export function createEnv(context: ProviderContext, config: VirtualBoxConfig): ProviderEnv {
  const host = createHost(context, config);
  const vmFolder = config.vmFolder ?? (host.isLocal ? join(context.dataDir, 'machines') : undefined);
  if (vmFolder === undefined) {
    throw new ImsError(
      'IMS_CONFIG_INVALID',
      `The VirtualBox configuration ${context.configName} runs VBoxManage on ${config.host} but names no --vm-folder there.`,
      {
        hint: 'Set --vm-folder to an absolute folder on the VirtualBox host, e.g. /srv/ims/vms.',
        details: { option: 'vmFolder' },
      },
    );
  }
  const vboxWith = (signal: AbortSignal) =>
    new VBoxManage({
      host,
      executable: config.vboxManage,
      clock: context.clock,
      signal,
      logger: context.logger,
      lockRetry: {
        attempts: config.lockRetrySeconds > 0 ? LOCK_ATTEMPTS : 1,
        budgetMs: config.lockRetrySeconds * 1000,
      },
      timeoutMs: config.commandTimeoutSeconds * 1000,
    });
  return {
    context,
    config,
    host,
    vbox: vboxWith(context.signal),
    // Not `cleanupSignalOf` from @ims/spi: that exists only from SPI 1.3, and this provider runs on 1.2 hosts too.
    cleanupVbox: vboxWith(context.cleanupSignal ?? new AbortController().signal),
    records: recordsIn(context.dataDir),
    vmFolder,
  };
}

/** The same environment with every VBoxManage call under the clean-up signal: for undoing work. */
export function forCleanup(env: ProviderEnv): ProviderEnv {
  return { ...env, vbox: env.cleanupVbox };
}
