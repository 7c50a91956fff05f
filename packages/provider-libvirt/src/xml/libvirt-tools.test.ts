/**
 * Checks the generated XML with libvirt itself: its RNG schemas (`virt-xml-validate`) and its
 * built-in fake hypervisor (`virsh -c test:///default`, in-process, no daemon, no network).
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { accessSync, constants, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { buildDomainXml, type DomainSpec, parseDomainXml } from './domain-xml.js';
import { buildPoolXml, buildVolumeXml, parsePoolXml, parseVolumeXml } from './storage-xml.js';

const run = promisify(execFile);
const INSTALL = 'apt-get install -y --no-install-recommends libvirt-clients libxml2-utils';

/** Fails with the install line when a tool the checks need is not on PATH. */
function requireTool(tool: string): void {
  const found = (process.env.PATH ?? '').split(delimiter).some((dir) => {
    try {
      accessSync(join(dir, tool), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
  if (!found) throw new Error(`${tool} is not installed; these tests need it. Install it with: ${INSTALL}`);
}

const workDir = mkdtempSync(join(tmpdir(), 'ims-libvirt-xml-'));
afterAll(() => rmSync(workDir, { recursive: true, force: true }));
let fileCounter = 0;

function writeTemp(xml: string): string {
  fileCounter += 1;
  const file = join(workDir, `doc-${fileCounter}.xml`);
  writeFileSync(file, xml);
  return file;
}

/** Validates with libvirt's RNG schema; resolves to virt-xml-validate's verdict and output. */
async function validate(xml: string, schema: 'domain' | 'storagepool' | 'storagevol') {
  requireTool('virt-xml-validate');
  requireTool('xmllint'); // virt-xml-validate runs it, and says only "not found" when it is missing
  try {
    const { stdout, stderr } = await run('virt-xml-validate', [writeTemp(xml), schema]);
    return { valid: true, output: stdout + stderr };
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    return { valid: false, output: stdout + stderr };
  }
}

/** Runs virsh commands in one session of the test driver, whose state lasts only that long. */
async function testDriver(commands: string[]): Promise<string> {
  requireTool('virsh');
  const { stdout } = await run('virsh', ['-c', 'test:///default', commands.join(' ; ')], { timeout: 30_000 });
  return stdout;
}

/** The one XML document of `root` in virsh output. */
function documentIn(output: string, root: string): string {
  const start = output.indexOf(`<${root}`);
  const end = output.lastIndexOf(`</${root}>`);
  expect(start, `virsh printed no <${root}>: ${output}`).toBeGreaterThanOrEqual(0);
  return output.slice(start, end + root.length + 3);
}

const base: DomainSpec = {
  name: 'vm1',
  domainType: 'qemu',
  memoryMiB: 160,
  vcpus: 1,
  kernel: '/var/lib/ims/pool/tiny-vmlinuz',
  initrd: '/var/lib/ims/pool/tiny-initrd.gz',
  cmdline: 'console=ttyS0 panic=-1 quiet',
  rootVolume: { pool: 'default-pool', name: 'vm1-root.qcow2', format: 'qcow2' },
  nic: { mac: '52:54:00:00:00:01', model: 'virtio', network: 'user' },
  metadata: { config: 'lab', template: 'tiny' },
};

/** Every combination of domain type, NIC kind, boot image, app disk and console log. */
function variants(): Array<[string, DomainSpec]> {
  const result: Array<[string, DomainSpec]> = [];
  for (const domainType of ['kvm', 'qemu'] as const) {
    for (const network of ['user', 'lab-net']) {
      for (const boot of [false, true]) {
        for (const app of [false, true]) {
          for (const log of [false, true]) {
            const spec: DomainSpec = { ...base, domainType, nic: { ...base.nic, network } };
            if (boot) spec.bootVolume = { pool: 'default-pool', name: 'vm1-bootparams.iso' };
            if (app) spec.appVolume = { pool: 'default-pool', name: 'vm1-app.img', format: 'raw' };
            if (log) spec.consoleLog = '/var/log/ims/vm1-console.log';
            const label = [domainType, network, boot && 'boot-iso', app && 'app-disk', log && 'console-log'];
            result.push([label.filter(Boolean).join(' '), spec]);
          }
        }
      }
    }
  }
  const { kernel: _k, initrd: _i, cmdline: _c, ...diskBoot } = base;
  result.push(['disk boot without kernel', diskBoot]);
  result.push(['no agent channel, with uuid', { ...base, agentChannel: false, uuid: randomUUID() }]);
  result.push([
    'hostile values',
    {
      ...base,
      cmdline: `  a"b'c<d>&e ]]> f\tg\nh é `,
      kernel: `/k/a"b'c<d>&e ]]>`,
      consoleLog: `/log/a"b'c<d>&e ]]> é.log`,
      metadata: { config: 'a&b', template: '<t>' },
    },
  ]);
  return result;
}

describe("libvirt's RNG schemas", () => {
  it('reject an invalid document (the validator really validates)', async () => {
    const invalid = await validate('<domain type="qemu"><name>x</name><bogus/></domain>', 'domain');
    expect(invalid.valid, invalid.output).toBe(false);
    const graphicsNone = buildDomainXml(base).replace('<devices>', '<devices><graphics type="none"/>');
    expect((await validate(graphicsNone, 'domain')).valid).toBe(false);
  });

  it.each(variants())('accept the domain XML: %s', async (_label, spec) => {
    const result = await validate(buildDomainXml(spec), 'domain');
    expect(result.valid, result.output).toBe(true);
  });

  it('accept the pool XML', async () => {
    const result = await validate(
      buildPoolXml({ name: 'ims', path: `/var/lib/ims/a"b'c<d>&e ]]>` }),
      'storagepool',
    );
    expect(result.valid, result.output).toBe(true);
  });

  it.each([
    ['raw', buildVolumeXml({ name: 'vm1-bootparams.iso', capacityBytes: 1_048_576, format: 'raw' })],
    ['qcow2', buildVolumeXml({ name: 'vm1-app.qcow2', capacityBytes: 2 ** 33, format: 'qcow2' })],
    [
      'qcow2 overlay',
      buildVolumeXml({
        name: 'vm1-root.qcow2',
        capacityBytes: 67_108_864,
        format: 'qcow2',
        backing: { path: '/var/lib/ims/pool/tiny-root.qcow2', format: 'qcow2' },
      }),
    ],
  ])('accept the volume XML: %s', async (_label, xml) => {
    const result = await validate(xml, 'storagevol');
    expect(result.valid, result.output).toBe(true);
  });

  it('accept the hand-written fixtures of what libvirt returns', async () => {
    const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
    for (const [name, schema] of [
      ['domain-ims-running.xml', 'domain'],
      ['domain-unmanaged.xml', 'domain'],
      ['volume-overlay.xml', 'storagevol'],
      ['pool-dir.xml', 'storagepool'],
    ] as const) {
      const result = await validate(fixture(name), schema);
      expect(result.valid, `${name}: ${result.output}`).toBe(true);
    }
  });
});

describe("libvirt's test driver", () => {
  it('defines and starts the domain, and its own dumpxml parses back to the spec', async () => {
    const hostile = `  a"b'c<d>&e ]]> f\tg\nh é `;
    const logPath = `/log/it's & <x> é.log`;
    const spec: DomainSpec = {
      ...base,
      uuid: '4dea22b3-1d52-d8f3-2516-782e98ab3fa0',
      memoryMiB: 300,
      vcpus: 2,
      cmdline: hostile,
      bootVolume: { pool: 'default-pool', name: 'vm1-bootparams.iso' },
      appVolume: { pool: 'default-pool', name: 'vm1-app.img', format: 'raw' },
      consoleLog: logPath,
    };
    const file = writeTemp(buildDomainXml(spec));
    const output = await testDriver([`define '${file}'`, 'start vm1', 'dumpxml vm1']);
    const parsed = parseDomainXml(documentIn(output, 'domain'));
    expect(parsed.id).toBeGreaterThan(0);
    expect(parsed).toMatchObject({
      name: 'vm1',
      uuid: '4dea22b3-1d52-d8f3-2516-782e98ab3fa0',
      domainType: 'qemu',
      memoryMiB: 300,
      vcpus: 2,
      os: { kernel: spec.kernel, initrd: spec.initrd, cmdline: hostile },
      macs: ['52:54:00:00:00:01'],
      consoleLog: logPath,
      metadata: { managedBy: 'ims', config: 'lab', template: 'tiny' },
    });
    expect(parsed.disks.map((disk) => [disk.target, disk.volume, disk.readonly])).toEqual([
      ['vda', 'vm1-root.qcow2', false],
      ['vdb', 'vm1-bootparams.iso', true],
      ['vdc', 'vm1-app.img', false],
    ]);
  });

  it('creates the pool and the overlay volume, and their dumpxml parses back', async () => {
    const poolFile = writeTemp(buildPoolXml({ name: 'ims', path: '/var/lib/ims/pool' }));
    const pool = parsePoolXml(
      documentIn(await testDriver([`pool-define '${poolFile}'`, 'pool-dumpxml ims']), 'pool'),
    );
    expect(pool).toMatchObject({ name: 'ims', type: 'dir', path: '/var/lib/ims/pool' });
    expect(pool.uuid).toMatch(/^[0-9a-f-]{36}$/);

    const volumeFile = writeTemp(
      buildVolumeXml({
        name: 'vm1-root.qcow2',
        capacityBytes: 67_108_864,
        format: 'qcow2',
        backing: { path: '/default-pool/tiny-root.qcow2', format: 'qcow2' },
      }),
    );
    const output = await testDriver([
      `vol-create default-pool '${volumeFile}'`,
      'vol-dumpxml --pool default-pool vm1-root.qcow2',
    ]);
    expect(parseVolumeXml(documentIn(output, 'volume'))).toMatchObject({
      name: 'vm1-root.qcow2',
      path: '/default-pool/vm1-root.qcow2',
      capacityBytes: 67_108_864,
      format: 'qcow2',
      backing: { path: '/default-pool/tiny-root.qcow2', format: 'qcow2' },
    });
  });
});
