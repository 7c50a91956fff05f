/**
 * A libvirt provider on the real daemon (qemu:///system, software emulation, user-mode NIC) with
 * its own storage pool in a temporary directory, and a teardown that removes everything the pool
 * and its domains hold, whatever a test left behind.
 */
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createProviderContext } from '@ims/core';
import type { Provider, ProviderContext } from '@ims/spi';
import type { LibvirtConfig } from '../src/config.js';
import plugin from '../src/index.js';
import { LibvirtClient } from '../src/rpc/client.js';
import { libvirtErrorCode, VirErr } from '../src/rpc/libvirt-error.js';
import { parseDomainXml } from '../src/xml/domain-xml.js';
import { type BuiltTemplate, busyboxTemplate } from './busybox-template.js';
import { requireLibvirtd, uniqueName } from './libvirtd.js';

const QEMU_BINARY = '/usr/bin/qemu-system-x86_64';

/** A provider with its own pool, plus what tests need to look behind it. */
export interface ProviderFixture {
  /** The temporary directory holding the pool, logs and IMS data. */
  dir: string;
  /** The pool's name (unique to this run). */
  poolName: string;
  /** The pool's directory. */
  poolDir: string;
  /** The console log directory. */
  logDir: string;
  /** The configuration name the provider was made for. */
  configName: string;
  /** The options the provider was made with. */
  config: LibvirtConfig;
  /** Its context (real host services). */
  context: ProviderContext;
  /** The provider. */
  provider: Provider;
  /** A client of its own for looking at libvirt directly. */
  client: LibvirtClient;
  /** Names of the volumes in the pool now (none when it does not exist). */
  volumes(): Promise<string[]>;
  /** Names of the domains whose disks are in the pool. */
  domains(): Promise<string[]>;
  /** Closes the provider and removes the pool, its volumes, its domains and the directory. */
  teardown(): Promise<void>;
}

/** Fails with what to install when QEMU is missing. */
export function requireQemu(): void {
  if (!existsSync(QEMU_BINARY)) {
    throw new Error(`${QEMU_BINARY} is missing: apt-get install -y --no-install-recommends qemu-system-x86`);
  }
}

/** A fresh temporary directory that libvirt's QEMU user can traverse (mkdtemp makes 0700 ones). */
export async function libvirtTempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `${prefix}-`));
  await chmod(dir, 0o755);
  return dir;
}

/** The options of a test configuration whose pool and logs live in `dir`. */
export function testConfig(
  dir: string,
  poolName: string,
  overrides: Partial<LibvirtConfig> = {},
): LibvirtConfig {
  return {
    uri: 'qemu:///system',
    domainType: 'qemu',
    pool: poolName,
    poolPath: join(dir, 'pool'),
    network: 'user',
    nicModel: 'virtio',
    consoleLogDir: join(dir, 'logs'),
    defaultCpus: 1,
    defaultMemory: 192,
    ...overrides,
  };
}

/** Makes a provider with a unique pool in a new temporary directory. */
export async function createProviderFixture(
  prefix: string,
  overrides: Partial<LibvirtConfig> = {},
): Promise<ProviderFixture> {
  await requireLibvirtd();
  requireQemu();
  const dir = await libvirtTempDir(`ims-${prefix}`);
  const poolName = uniqueName(`ims-test-${prefix}`);
  const configName = `${prefix}-config`;
  const config = testConfig(dir, poolName, overrides);
  const home = join(dir, 'home');
  await mkdir(join(home, 'data'), { recursive: true });
  const context = createProviderContext({ home, configName, dataDir: join(home, 'data') });
  const provider = await plugin.create(context, config);
  const client = await LibvirtClient.connect('qemu:///system');
  return {
    dir,
    poolName,
    poolDir: join(dir, 'pool'),
    logDir: join(dir, 'logs'),
    configName,
    config,
    context,
    provider,
    client,
    volumes: () => poolVolumes(client, poolName),
    domains: () => domainsUsingPool(client, poolName),
    async teardown() {
      await provider.close().catch(() => {});
      try {
        await removePoolAndDomains(client, poolName);
      } finally {
        await client.close();
        await rm(dir, { recursive: true, force: true });
      }
    },
  };
}

/** A provider fixture with the busybox template imported. */
export interface BusyboxFixture {
  /** The fixture. */
  fixture: ProviderFixture;
  /** The template as built. */
  template: BuiltTemplate;
  /** Its name in the fixture's provider, unique to the fixture's pool. */
  templateName: string;
}

/** Makes a provider fixture and imports the busybox template into it; tears the fixture down if the import fails. */
export async function createBusyboxFixture(prefix: string): Promise<BusyboxFixture> {
  const template = await busyboxTemplate();
  const fixture = await createProviderFixture(prefix);
  const templateName = `${fixture.poolName}-tpl`.slice(0, 63);
  try {
    await fixture.provider.importTemplate({
      name: templateName,
      directory: template.directory,
      metadata: template.metadata,
    });
  } catch (error) {
    await fixture.teardown();
    throw error;
  }
  return { fixture, template, templateName };
}

/** Volume names in a pool, sorted; empty when the pool does not exist. */
export async function poolVolumes(client: LibvirtClient, poolName: string): Promise<string[]> {
  let pool: Awaited<ReturnType<LibvirtClient['lookupStoragePoolByName']>>;
  try {
    pool = await client.lookupStoragePoolByName(poolName);
  } catch (error) {
    if (libvirtErrorCode(error) === VirErr.NO_STORAGE_POOL) return [];
    throw error;
  }
  await client.refreshStoragePool(pool).catch(() => {});
  return (await client.listAllVolumes(pool)).map((v) => v.name).sort();
}

/** Names of the domains with a disk in the pool, sorted. */
export async function domainsUsingPool(client: LibvirtClient, poolName: string): Promise<string[]> {
  const names: string[] = [];
  for (const domain of await client.listAllDomains()) {
    try {
      const parsed = parseDomainXml(await client.getDomainXml(domain));
      if (parsed.disks.some((d) => d.pool === poolName)) names.push(domain.name);
    } catch {
      // Gone meanwhile.
    }
  }
  return names.sort();
}

/** Destroys and undefines the pool's domains, deletes its volumes, and removes the pool. */
export async function removePoolAndDomains(client: LibvirtClient, poolName: string): Promise<void> {
  for (const name of await domainsUsingPool(client, poolName)) {
    const domain = await client.lookupDomainByName(name).catch(() => undefined);
    if (domain === undefined) continue;
    await client.destroyDomain(domain).catch(() => {});
    await client.undefineDomain(domain).catch(() => {});
  }
  const pool = await client.lookupStoragePoolByName(poolName).catch(() => undefined);
  if (pool === undefined) return;
  for (const volume of await client.listAllVolumes(pool).catch(() => [])) {
    await client.deleteStorageVol(volume).catch(() => {});
  }
  await client.destroyStoragePool(pool).catch(() => {});
  await client.undefineStoragePool(pool);
}
