/**
 * Templates: each file of an ovm-templates template becomes a volume in the pool, uploaded
 * through libvirt (so it works the same for a remote host), and a record keeps the rest.
 */
import { createReadStream } from 'node:fs';
import {
  assertValidName,
  ImsError,
  mapLimited,
  type TemplateImportRequest,
  type TemplateInfo,
} from '@ims/spi';
import { readDomain } from './domains.js';
import type { ProviderEnv } from './env.js';
import { templateVolumes } from './names.js';
import { type LibvirtClient, type StoragePoolRef, StorageVolUploadFlags } from './rpc/index.js';
import { sparseChunks } from './sparse-file.js';
import {
  createVolume,
  deleteVolumes,
  deleteVolumesQuietly,
  findPool,
  findVolume,
  volumeExists,
} from './storage.js';
import { readTemplateFiles, type TemplateFile } from './template-files.js';
import { type StoredDisk, type TemplateRecord, templateSize } from './template-store.js';

const UPLOAD_CHUNK_BYTES = 1024 * 1024;

interface Upload {
  volume: string;
  file: TemplateFile;
  format: 'raw' | 'qcow2';
  capacityBytes: number;
}

/** Imports a template directory into the pool; `IMS_ALREADY_EXISTS` when the name or its volumes are taken. */
export async function importTemplate(
  env: ProviderEnv,
  request: TemplateImportRequest,
): Promise<TemplateInfo> {
  const name = assertValidName('template', request.name);
  const files = await readTemplateFiles(request.directory, request.metadata);
  if ((await env.templates.get(name)) !== undefined) throw templateExists(name, env.config.pool);
  const volumes = templateVolumes(name);
  const uploads: Upload[] = [
    {
      volume: volumes.system,
      file: files.system,
      format: files.system.format,
      capacityBytes: files.system.capacityBytes,
    },
    { volume: volumes.kernel, file: files.kernel, format: 'raw', capacityBytes: files.kernel.sizeBytes },
    { volume: volumes.initrd, file: files.initrd, format: 'raw', capacityBytes: files.initrd.sizeBytes },
  ];
  if (files.app !== undefined) {
    uploads.push({
      volume: volumes.app,
      file: files.app,
      format: files.app.format,
      capacityBytes: files.app.capacityBytes,
    });
  }
  const record: TemplateRecord = {
    version: 1,
    name,
    kernel: { volume: volumes.kernel, sizeBytes: files.kernel.sizeBytes },
    initrd: { volume: volumes.initrd, sizeBytes: files.initrd.sizeBytes },
    system: storedDisk(volumes.system, files.system),
    importedAt: new Date(env.context.clock.now()).toISOString(),
  };
  if (files.metadata.os !== undefined) record.os = files.metadata.os;
  if (files.metadata.cmdline !== undefined) record.cmdline = files.metadata.cmdline;
  if (files.app !== undefined) record.app = storedDisk(volumes.app, files.app);

  await env.connection.use(
    async (client) => {
      const pool = await env.pool(client);
      for (const upload of uploads) {
        if ((await findVolume(client, pool, upload.volume)) !== undefined)
          throw volumeExists(pool.name, upload.volume);
      }
      await uploadAll(env, client, pool, name, uploads);
    },
    { retry: false },
  );
  try {
    await env.templates.put(record);
  } catch (error) {
    await env.connection
      .use(
        (client) =>
          removeVolumes(
            env,
            client,
            uploads.map((u) => u.volume),
          ),
        { retry: true },
      )
      .catch(() => {});
    throw error;
  }
  env.context.logger.info('template imported', { template: name, pool: env.config.pool });
  return info(record);
}

function storedDisk(
  volume: string,
  file: { sizeBytes: number; format: 'raw' | 'qcow2'; capacityBytes: number },
): StoredDisk {
  return { volume, sizeBytes: file.sizeBytes, format: file.format, capacityBytes: file.capacityBytes };
}

async function uploadAll(
  env: ProviderEnv,
  client: LibvirtClient,
  pool: StoragePoolRef,
  name: string,
  uploads: readonly Upload[],
): Promise<void> {
  const total = uploads.reduce((sum, u) => sum + u.file.sizeBytes, 0);
  const task = env.context.progress.start(`upload template ${name}`, total, 'bytes');
  const created: string[] = [];
  let before = 0;
  try {
    for (const upload of uploads) {
      // A raw volume starts out empty (allocation 0: sparse, all zeros), so the zeros of the image
      // need not be sent or written. A qcow2 volume starts with libvirt's own header, which the
      // image's bytes must overwrite completely: no holes there.
      const sparse = upload.format === 'raw';
      const volume = await createVolume(client, pool, {
        name: upload.volume,
        capacityBytes: upload.capacityBytes,
        format: upload.format,
        ...(sparse ? { allocationBytes: 0 } : {}),
      });
      created.push(upload.volume);
      const done = before;
      await client.uploadStorageVol(
        volume,
        sparse
          ? sparseChunks(upload.file.path, upload.file.sizeBytes)
          : createReadStream(upload.file.path, { highWaterMark: UPLOAD_CHUNK_BYTES }),
        {
          length: upload.file.sizeBytes,
          flags: sparse ? StorageVolUploadFlags.SPARSE_STREAM : 0,
          signal: env.context.signal,
          onProgress: (sent) => task.update(done + sent, total),
        },
      );
      before += upload.file.sizeBytes;
      task.update(before, total);
    }
  } catch (error) {
    await deleteVolumesQuietly(client, pool, created, env.context.logger);
    throw error;
  } finally {
    task.done();
  }
}

/** The templates of this configuration whose system volume is in the pool. */
export async function listTemplates(env: ProviderEnv): Promise<TemplateInfo[]> {
  const records = await env.templates.all();
  if (records.length === 0) return [];
  return env.connection.use(
    async (client) => {
      if ((await findPool(client, env.config.pool)) === undefined) return [];
      const pool = await env.pool(client);
      const present = new Set((await client.listAllVolumes(pool)).map((v) => v.name));
      return records.filter((r) => present.has(r.system.volume)).map(info);
    },
    { retry: true },
  );
}

/** Deletes a template's volumes and record; refused while a VM boots from it. */
export async function deleteTemplate(env: ProviderEnv, name: string): Promise<void> {
  assertValidName('template', name);
  const record = await env.templates.get(name);
  const volumes = Object.values(templateVolumes(name));
  await env.connection.use(
    async (client) => {
      const pool =
        (await findPool(client, env.config.pool)) === undefined ? undefined : await env.pool(client);
      const present =
        pool === undefined
          ? []
          : (await Promise.all(volumes.map((v) => findVolume(client, pool, v)))).filter(
              (v) => v !== undefined,
            );
      if (record === undefined && present.length === 0) {
        throw new ImsError(
          'IMS_TEMPLATE_NOT_FOUND',
          `Template ${name} does not exist in storage pool ${env.config.pool}.`,
          {
            hint: 'See `ims template list`.',
            details: { template: name },
          },
        );
      }
      if (pool === undefined) return;
      await refuseWhileUsed(env, client, pool, name);
      await removeVolumes(env, client, volumes);
    },
    { retry: true },
  );
  await env.templates.remove(name);
}

/** `IMS_INVALID_STATE` when any domain boots from the template's kernel (its overlays need the base). */
async function refuseWhileUsed(
  env: ProviderEnv,
  client: LibvirtClient,
  pool: StoragePoolRef,
  name: string,
): Promise<void> {
  const kernel = await findVolume(client, pool, templateVolumes(name).kernel);
  if (kernel === undefined) return;
  const kernelPath = await client.getStorageVolPath(kernel);
  const domains = await client.listAllDomains();
  const users = await mapLimited(domains, 16, async (domain) => {
    try {
      const parsed = await readDomain(client, domain);
      const fromMetadata =
        parsed.metadata?.config === env.context.configName && parsed.metadata.template === name;
      return parsed.os.kernel === kernelPath || fromMetadata ? domain.name : undefined;
    } catch {
      return undefined;
    }
  });
  const names = users.filter((u): u is string => u !== undefined).sort();
  if (names.length > 0) {
    throw new ImsError('IMS_INVALID_STATE', `Template ${name} is used by VM(s) ${names.join(', ')}.`, {
      hint: 'Delete those VMs first: their disks are copy-on-write overlays of the template.',
      details: { template: name, vms: names },
    });
  }
}

async function removeVolumes(
  env: ProviderEnv,
  client: LibvirtClient,
  names: readonly string[],
): Promise<void> {
  const pool = await env.pool(client);
  await deleteVolumes(client, pool, names);
}

function templateExists(name: string, pool: string): ImsError {
  return new ImsError('IMS_ALREADY_EXISTS', `Template ${name} already exists in storage pool ${pool}.`, {
    hint: 'Import it under another name, or delete the old one with `ims template delete`.',
    details: { template: name },
  });
}

function info(record: TemplateRecord): TemplateInfo {
  const result: TemplateInfo = { name: record.name, sizeBytes: templateSize(record) };
  if (record.os !== undefined) result.os = record.os;
  return result;
}
