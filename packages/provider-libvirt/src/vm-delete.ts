/**
 * Deleting a VM: its volumes in the pool first, then its definition, so a delete interrupted
 * half-way can simply be repeated. Only this configuration's domains are deleted, and only
 * volumes in IMS's own pool, never a template's.
 */
import { posix } from 'node:path';
import { assertValidName, type DeleteOptions } from '@ims/spi';
import { findVm, invalidState, lookupVm, readDomain, stateOf, vmNotFound } from './domains.js';
import type { ProviderEnv } from './env.js';
import { allVmVolumes, consoleLogPath, TEMPLATE_VOLUME_PREFIX } from './names.js';
import { DomainState, formatUuid, libvirtErrorCode, UndefineFlags, VirErr } from './rpc/index.js';
import { deleteVolumes } from './storage.js';

/** Deletes a VM and all its storage; a running one only with `force`. */
export async function deleteVm(env: ProviderEnv, name: string, options: DeleteOptions): Promise<void> {
  assertValidName('vm', name);
  // Rolling back an interrupted create: before the domain is defined, only its volumes exist.
  if (options.incomplete && (await removeVolumesWithoutDomain(env, name))) return;
  if (options.incomplete) options = { ...options, force: true };
  const configName = env.context.configName;
  await env.connection.use(
    async (client) => {
      const domain = await lookupVm(client, name);
      const parsed = await readDomain(client, domain);
      if (parsed.metadata?.config !== configName) {
        const owner =
          parsed.metadata === undefined
            ? 'IMS did not create it'
            : `it belongs to IMS configuration ${parsed.metadata.config}`;
        throw invalidState(
          name,
          'delete',
          `not a VM of configuration ${configName} (${owner})`,
          'Delete it with virsh if you mean to.',
        );
      }
      const { state } = await stateOf(client, domain);
      if (state !== DomainState.SHUTOFF) {
        if (!options.force) {
          throw invalidState(name, 'delete', 'running', `Stop it first, or delete it with --force.`);
        }
        try {
          await client.destroyDomain(domain);
        } catch (error) {
          if (libvirtErrorCode(error) !== VirErr.OPERATION_INVALID) throw error;
        }
      }
      const pool = await env.pool(client);
      const referenced = parsed.disks
        .filter((d) => d.type === 'volume' && d.pool === pool.name && d.volume !== undefined)
        .map((d) => d.volume as string);
      const volumes = [...new Set([...allVmVolumes(name), ...referenced])].filter(
        (v) => !v.startsWith(TEMPLATE_VOLUME_PREFIX),
      );
      await deleteVolumes(client, pool, volumes);
      try {
        await client.undefineDomain(domain, UndefineFlags.MANAGED_SAVE | UndefineFlags.SNAPSHOTS_METADATA);
      } catch (error) {
        if (libvirtErrorCode(error) !== VirErr.NO_DOMAIN) throw error;
      }
      // Only the log IMS named for this VM: a path someone else configured is left alone.
      if (
        parsed.consoleLog !== undefined &&
        parsed.consoleLog === consoleLogPath(posix.dirname(parsed.consoleLog), name)
      ) {
        await env.files.removeFile(parsed.consoleLog);
      }
      await env.owners.forget(formatUuid(domain.uuid));
      env.context.logger.info('VM deleted', { vm: name, volumes });
    },
    { retry: true },
  );
}

/**
 * For a rollback (`incomplete`): when no domain of that name exists, removes the volumes a create
 * makes before it defines the domain (named after the VM, in IMS's pool, never a template's) and
 * says whether it handled the rollback; `IMS_VM_NOT_FOUND` when there were none either. With a
 * domain it returns false: the domain's metadata decides as for any delete.
 */
async function removeVolumesWithoutDomain(env: ProviderEnv, name: string): Promise<boolean> {
  return env.connection.use(
    async (client) => {
      if ((await findVm(client, name)) !== undefined) return false;
      const pool = await env.pool(client);
      const names = allVmVolumes(name).filter((v) => !v.startsWith(TEMPLATE_VOLUME_PREFIX));
      const deleted = await deleteVolumes(client, pool, names);
      if (deleted.length === 0) throw vmNotFound(name, client.name);
      env.context.logger.info('volumes of a half-made VM removed', { vm: name, volumes: deleted });
      return true;
    },
    { retry: true },
  );
}
