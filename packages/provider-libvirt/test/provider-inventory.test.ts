/**
 * Listing on a host with many domains (libvirt's test driver with a generated node file): only
 * this configuration's domains without `includeUnmanaged`, all of them with it, ownership
 * remembered by UUID so later listings read no domain XML.
 */
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createProviderContext } from '@ims/core';
import { isImsError, type Provider } from '@ims/spi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import plugin from '../src/index.js';
import { IMS_METADATA_NAMESPACE } from '../src/xml/domain-xml.js';
import { requireLibvirtd } from './libvirtd.js';
import { libvirtTempDir, testConfig } from './provider-fixture.js';

const COUNT = 300;
const CONFIG = 'inv';

/** Domain i: 0–2 belong to configuration `inv` (0 runs), 3–4 to `other`, the rest to nobody. */
function domainXml(i: number): string {
  const n = String(i).padStart(4, '0');
  const owner = i < 3 ? CONFIG : i < 5 ? 'other' : undefined;
  const metadata =
    owner === undefined
      ? ''
      : `<metadata><ims:instance xmlns:ims="${IMS_METADATA_NAMESPACE}"><ims:managedBy>ims</ims:managedBy>` +
        `<ims:config>${owner}</ims:config><ims:template>t</ims:template></ims:instance></metadata>`;
  return `<domain type='test' xmlns:test='http://libvirt.org/schemas/domain/test/1.0'>
    <name>inv-${n}</name><uuid>00000000-0000-4000-8000-00000000${n}</uuid>${metadata}
    <memory unit='MiB'>64</memory><vcpu>1</vcpu><os><type arch='x86_64'>hvm</type></os>
    <test:runstate>${i === 0 ? 1 : 5}</test:runstate>
  </domain>`;
}

let dir: string;
let dataDir: string;
let provider: Provider;

beforeAll(async () => {
  await requireLibvirtd();
  dir = await libvirtTempDir('ims-lv-inventory');
  const node = join(dir, 'node.xml');
  await writeFile(
    node,
    `<node>\n${Array.from({ length: COUNT }, (_, i) => domainXml(i)).join('\n')}\n</node>\n`,
  );
  dataDir = join(dir, 'data');
  const context = createProviderContext({ home: join(dir, 'home'), configName: CONFIG, dataDir });
  provider = await plugin.create(context, { ...testConfig(dir, 'unused'), uri: `test://${node}` });
});

afterAll(async () => {
  await provider?.close();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

describe('listVms on a 300-domain test-driver host', () => {
  it('lists only the domains whose IMS metadata names this configuration', async () => {
    const listed = await provider.listVms({ includeUnmanaged: false });
    expect(listed).toEqual([
      { name: 'inv-0000', state: 'running', providerState: 'running' },
      { name: 'inv-0001', state: 'stopped', providerState: 'shutoff' },
      { name: 'inv-0002', state: 'stopped', providerState: 'shutoff' },
    ]);
  });

  it('lists every domain with includeUnmanaged, in one call', async () => {
    const listed = await provider.listVms({ includeUnmanaged: true });
    expect(listed).toHaveLength(COUNT);
    expect(listed.filter((row) => row.state === 'running').map((row) => row.name)).toEqual(['inv-0000']);
  });

  it('remembers ownership by UUID, and trusts what it remembered on the next listing', async () => {
    const file = join(dataDir, 'domain-owners.json');
    const cache = JSON.parse(await readFile(file, 'utf8')) as { owners: Record<string, boolean> };
    expect(Object.keys(cache.owners)).toHaveLength(COUNT);
    expect(cache.owners['00000000-0000-4000-8000-000000000001']).toBe(true);
    expect(cache.owners['00000000-0000-4000-8000-000000000003']).toBe(false);
    // A remembered answer is not asked again: flip one and the listing follows the file.
    cache.owners['00000000-0000-4000-8000-000000000299'] = true;
    await writeFile(file, JSON.stringify(cache));
    const listed = await provider.listVms({ includeUnmanaged: false });
    expect(listed.map((row) => row.name)).toEqual(['inv-0000', 'inv-0001', 'inv-0002', 'inv-0299']);
  });

  it('reads status and metrics, and names the missing VM', async () => {
    expect(await provider.getStatus('inv-0000')).toEqual({ state: 'running', providerState: 'running' });
    const [sample, ...rest] = await provider.getMetrics(['inv-0001']);
    expect(rest).toEqual([]);
    expect(sample).toMatchObject({ vm: 'inv-0001', cpuTimeNs: 0, memoryUsedBytes: 0 });
    try {
      await provider.getMetrics(['inv-0001', 'inv-9999']);
      expect.unreachable('getMetrics of a missing VM succeeded');
    } catch (error) {
      expect(isImsError(error) && error.code).toBe('IMS_VM_NOT_FOUND');
      expect((error as Error).message).toContain('inv-9999');
    }
  });

  it('describes the test driver', async () => {
    const info = await provider.describe();
    expect(info.hypervisor).toBe('libvirt test driver');
    expect(info.details?.libvirt).toMatch(/^\d+\.\d+\.\d+$/);
  });
});
