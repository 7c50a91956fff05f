/**
 * Creating a VM: copy-on-write overlays of the template's disks (created in milliseconds whatever
 * the template's size), an empty boot-parameter volume, and a domain defined from XML built by
 * the XML module, never by pasting strings together.
 */
import { assertValidName, ImsError, mapLimited, type VmCreated, type VmSpec } from '@ims/spi';
import { findVm } from './domains.js';
import type { ProviderEnv } from './env.js';
import { consoleLogPath, vmVolumes } from './names.js';
import {
  formatUuid,
  type LibvirtClient,
  libvirtErrorCode,
  type StoragePoolRef,
  VirErr,
} from './rpc/index.js';
import { createVolume, deleteVolumesQuietly, findVolume } from './storage.js';
import type { StoredDisk, TemplateRecord } from './template-store.js';
import { buildDomainXml, type DomainSpec, generateMac, normalizeMac } from './xml/index.js';

/** Size of the boot-parameter volume before the first start fills it (the template's own placeholder size). */
const BOOT_PLACEHOLDER_BYTES = 64 * 1024;

/** Creates a stopped VM from a template. */
export async function createVm(env: ProviderEnv, spec: VmSpec): Promise<VmCreated> {
  const name = assertValidName('vm', spec.name);
  assertValidName('template', spec.template);
  const mac = macOf(spec);
  const template = await env.templates.get(spec.template);
  if (template === undefined) throw templateNotFound(spec.template, env.config.pool);
  await env.files.ensureDirectory(env.consoleLogDir);
  return env.connection.use(
    async (client) => {
      if ((await findVm(client, name)) !== undefined) throw vmExists(name, client.name);
      const pool = await env.pool(client);
      const base = await templatePaths(client, pool, template);
      const volumes = vmVolumes(name);
      const created: string[] = [];
      try {
        await createOverlay(client, pool, volumes.system, template.system, base.system);
        created.push(volumes.system);
        if (template.app !== undefined && base.app !== undefined) {
          await createOverlay(client, pool, volumes.app, template.app, base.app);
          created.push(volumes.app);
        }
        await createVolume(client, pool, {
          name: volumes.bootparams,
          capacityBytes: BOOT_PLACEHOLDER_BYTES,
          format: 'raw',
        });
        created.push(volumes.bootparams);
        const domainSpec: DomainSpec = {
          name,
          domainType: env.config.domainType,
          memoryMiB: spec.memoryMiB,
          vcpus: spec.cpus,
          kernel: base.kernel,
          initrd: base.initrd,
          rootVolume: { pool: pool.name, name: volumes.system, format: 'qcow2' },
          bootVolume: { pool: pool.name, name: volumes.bootparams },
          nic: { mac, model: env.config.nicModel, network: env.config.network },
          consoleLog: consoleLogPath(env.consoleLogDir, name),
          metadata: { config: env.context.configName, template: spec.template },
        };
        if (template.cmdline !== undefined) domainSpec.cmdline = template.cmdline;
        if (template.app !== undefined) {
          domainSpec.appVolume = { pool: pool.name, name: volumes.app, format: 'qcow2' };
        }
        const domain = await define(client, buildDomainXml(domainSpec), name);
        await env.owners.remember(formatUuid(domain.uuid), true);
      } catch (error) {
        await deleteVolumesQuietly(client, pool, created, env.context.logger);
        throw error;
      }
      env.context.logger.info('VM created', { vm: name, template: spec.template, mac });
      return { macs: [mac] };
    },
    { retry: false },
  );
}

function macOf(spec: VmSpec): string {
  if (spec.nics.length !== 1) {
    throw new ImsError(
      'IMS_INVALID_ARGUMENT',
      `VM ${spec.name} asks for ${spec.nics.length} NICs; the libvirt provider gives a VM exactly one.`,
      { hint: 'Create the VM with one NIC.', details: { vm: spec.name, nics: spec.nics.length } },
    );
  }
  const given = spec.nics[0]?.mac;
  return given === undefined ? generateMac() : normalizeMac(given);
}

interface TemplatePaths {
  system: string;
  app?: string;
  kernel: string;
  initrd: string;
}

/** Paths on the libvirt host of the template's volumes; `IMS_TEMPLATE_NOT_FOUND` when one is gone. */
async function templatePaths(
  client: LibvirtClient,
  pool: StoragePoolRef,
  template: TemplateRecord,
): Promise<TemplatePaths> {
  const wanted = [template.system, template.kernel, template.initrd, ...(template.app ? [template.app] : [])];
  const paths = await mapLimited(wanted, 4, async ({ volume }) => {
    const ref = await findVolume(client, pool, volume);
    if (ref === undefined) {
      throw new ImsError(
        'IMS_TEMPLATE_NOT_FOUND',
        `Template ${template.name} is incomplete: volume ${volume} is missing from storage pool ${pool.name}.`,
        {
          hint: `Delete the template with \`ims template delete\` and import it again.`,
          details: { template: template.name, volume },
        },
      );
    }
    return client.getStorageVolPath(ref);
  });
  const [system, kernel, initrd, app] = paths as [string, string, string, string | undefined];
  return app === undefined ? { system, kernel, initrd } : { system, kernel, initrd, app };
}

async function createOverlay(
  client: LibvirtClient,
  pool: StoragePoolRef,
  name: string,
  disk: StoredDisk,
  basePath: string,
): Promise<void> {
  await createVolume(client, pool, {
    name,
    capacityBytes: disk.capacityBytes,
    format: 'qcow2',
    backing: { path: basePath, format: disk.format },
  });
}

async function define(client: LibvirtClient, xml: string, name: string) {
  try {
    return await client.defineDomainXml(xml);
  } catch (error) {
    // Someone defined a domain of that name since we looked.
    if (libvirtErrorCode(error) === VirErr.OPERATION_FAILED && (await findVm(client, name)) !== undefined) {
      throw vmExists(name, client.name, error);
    }
    throw error;
  }
}

function vmExists(name: string, where: string, cause?: unknown): ImsError {
  return new ImsError('IMS_ALREADY_EXISTS', `A domain named ${name} already exists on ${where}.`, {
    ...(cause === undefined ? {} : { cause }),
    hint: 'Choose another VM name (`ims vm list --all` shows the domains libvirt has).',
    details: { vm: name },
  });
}

function templateNotFound(template: string, pool: string): ImsError {
  return new ImsError(
    'IMS_TEMPLATE_NOT_FOUND',
    `Template ${template} has not been imported into storage pool ${pool}.`,
    {
      hint: 'Import it with `ims template import`, or see `ims template list`.',
      details: { template },
    },
  );
}
