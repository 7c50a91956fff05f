/**
 * What every operation module works with: the context, the options, the connection, the pool,
 * the template records and the files on the libvirt host.
 */
import type { ProviderContext } from '@ims/spi';
import { DEFAULT_CONSOLE_LOG_DIR, type LibvirtConfig } from './config.js';
import { LibvirtConnection } from './connection.js';
import { type HostFiles, hostFilesOf } from './host-files.js';
import { OwnerCache } from './owner-cache.js';
import type { LibvirtClient, StoragePoolRef } from './rpc/index.js';
import { ensurePool, type PoolSettings } from './storage.js';
import { TemplateStore } from './template-store.js';

/** The shared state of one provider instance. */
export interface ProviderEnv {
  /** The host's context. */
  readonly context: ProviderContext;
  /** The validated options. */
  readonly config: LibvirtConfig;
  /** The libvirt connection. */
  readonly connection: LibvirtConnection;
  /** Template records. */
  readonly templates: TemplateStore;
  /** Which domains belong to this configuration, remembered by UUID. */
  readonly owners: OwnerCache;
  /** Files on the libvirt host. */
  readonly files: HostFiles;
  /** Pool name and directory. */
  readonly poolSettings: PoolSettings;
  /** Directory on the libvirt host for console logs. */
  readonly consoleLogDir: string;
  /** The pool, made ready once per connection. */
  pool(client: LibvirtClient): Promise<StoragePoolRef>;
}

/** Builds the environment of a provider instance; connects to nothing. */
export function createEnv(context: ProviderContext, config: LibvirtConfig): ProviderEnv {
  const connection = new LibvirtConnection(context, config);
  const poolSettings: PoolSettings =
    config.poolPath === undefined ? { name: config.pool } : { name: config.pool, path: config.poolPath };
  const ready = new WeakMap<LibvirtClient, Promise<StoragePoolRef>>();
  return {
    context,
    config,
    connection,
    templates: new TemplateStore(context.dataDir),
    owners: new OwnerCache(context.dataDir),
    files: hostFilesOf(connection, context.logger),
    poolSettings,
    consoleLogDir: config.consoleLogDir ?? DEFAULT_CONSOLE_LOG_DIR,
    pool(client) {
      let pool = ready.get(client);
      if (pool === undefined) {
        pool = ensurePool(client, poolSettings, context.logger);
        ready.set(client, pool);
        pool.catch(() => ready.delete(client));
      }
      return pool;
    },
  };
}
