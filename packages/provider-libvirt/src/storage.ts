/**
 * The configuration's storage pool and the volumes IMS keeps in it.
 */
import { posix } from 'node:path';
import { ImsError, type Logger } from '@ims/spi';
import { DEFAULT_POOL_PARENT } from './config.js';
import {
  type LibvirtClient,
  libvirtErrorCode,
  type StoragePoolRef,
  StoragePoolState,
  type StorageVolRef,
  VirErr,
} from './rpc/index.js';
import type { VolumeSpec } from './xml/index.js';

/** Where the pool lives and what it is called. */
export interface PoolSettings {
  /** Pool name. */
  name: string;
  /** Directory for a pool IMS creates (default `/var/lib/ims/pools/<name>`). */
  path?: string;
}

/** The directory a missing pool is created in. */
export function poolDirectory(settings: PoolSettings): string {
  return settings.path ?? posix.join(DEFAULT_POOL_PARENT, settings.name);
}

/**
 * The pool, active: looked up, started if it is defined but inactive, or defined as a `dir` pool,
 * built (its directory made) and started if it does not exist.
 */
export async function ensurePool(
  client: LibvirtClient,
  settings: PoolSettings,
  logger: Logger,
): Promise<StoragePoolRef> {
  let pool = await findPool(client, settings.name);
  if (pool === undefined) {
    const path = poolDirectory(settings);
    logger.info('creating storage pool', { pool: settings.name, path });
    const { buildPoolXml } = await import('./xml/storage-xml.js');
    try {
      pool = await client.defineStoragePoolXml(buildPoolXml({ name: settings.name, path }));
    } catch (error) {
      // Another IMS process may have defined it at the same time.
      pool = await findPool(client, settings.name);
      if (pool === undefined) throw poolFailure(settings, error);
    }
  }
  const info = await client.getStoragePoolInfo(pool);
  if (info.state !== StoragePoolState.RUNNING) {
    await client.buildStoragePool(pool).catch((error: unknown) => {
      // A directory that already exists is fine; starting the pool reports anything else.
      logger.debug('storage pool build', { pool: pool?.name, error: String(error) });
    });
    try {
      await client.createStoragePool(pool);
    } catch (error) {
      if (libvirtErrorCode(error) !== VirErr.OPERATION_INVALID) throw poolFailure(settings, error);
    }
  }
  return pool;
}

/** The pool if it exists (active or not). */
export async function findPool(client: LibvirtClient, name: string): Promise<StoragePoolRef | undefined> {
  try {
    return await client.lookupStoragePoolByName(name);
  } catch (error) {
    if (libvirtErrorCode(error) === VirErr.NO_STORAGE_POOL) return undefined;
    throw error;
  }
}

function poolFailure(settings: PoolSettings, cause: unknown): ImsError {
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new ImsError(
    'IMS_PROVIDER_ERROR',
    `Storage pool ${settings.name} cannot be created or started: ${reason}`,
    {
      cause,
      hint: `Check the pool with \`virsh pool-info ${settings.name}\` and that its directory exists on the libvirt host.`,
      details: { pool: settings.name },
    },
  );
}

/** The volume called `name`, or undefined. */
export async function findVolume(
  client: LibvirtClient,
  pool: StoragePoolRef,
  name: string,
): Promise<StorageVolRef | undefined> {
  try {
    return await client.lookupStorageVolByName(pool, name);
  } catch (error) {
    if (libvirtErrorCode(error) === VirErr.NO_STORAGE_VOL) return undefined;
    throw error;
  }
}

/** Creates a volume; a name already taken fails with `IMS_ALREADY_EXISTS` naming the volume. */
export async function createVolume(
  client: LibvirtClient,
  pool: StoragePoolRef,
  spec: VolumeSpec,
): Promise<StorageVolRef> {
  const { buildVolumeXml } = await import('./xml/storage-xml.js');
  try {
    return await client.createStorageVolXml(pool, buildVolumeXml(spec));
  } catch (error) {
    if (libvirtErrorCode(error) === VirErr.STORAGE_VOL_EXIST) throw volumeExists(pool.name, spec.name, error);
    throw error;
  }
}

/** `IMS_ALREADY_EXISTS` for a volume name that is taken. */
export function volumeExists(pool: string, volume: string, cause?: unknown): ImsError {
  return new ImsError('IMS_ALREADY_EXISTS', `Volume ${volume} already exists in storage pool ${pool}.`, {
    ...(cause === undefined ? {} : { cause }),
    hint: `It may be left from an earlier attempt: remove it with \`virsh vol-delete --pool ${pool} ${volume}\` if nothing uses it.`,
    details: { pool, volume },
  });
}

/** Deletes the named volumes that exist; returns the names deleted. Missing ones are skipped. */
export async function deleteVolumes(
  client: LibvirtClient,
  pool: StoragePoolRef,
  names: readonly string[],
): Promise<string[]> {
  const deleted: string[] = [];
  for (const name of names) {
    const volume = await findVolume(client, pool, name);
    if (volume === undefined) continue;
    try {
      await client.deleteStorageVol(volume);
      deleted.push(name);
    } catch (error) {
      if (libvirtErrorCode(error) !== VirErr.NO_STORAGE_VOL) throw error;
    }
  }
  return deleted;
}

/** Deletes volumes without letting a failure hide the error that made the caller clean up. */
export async function deleteVolumesQuietly(
  client: LibvirtClient,
  pool: StoragePoolRef,
  names: readonly string[],
  logger: Logger,
): Promise<void> {
  for (const name of names) {
    await deleteVolumes(client, pool, [name]).catch((error: unknown) =>
      logger.warn(`could not remove volume ${name} from pool ${pool.name}`, { error: String(error) }),
    );
  }
}
