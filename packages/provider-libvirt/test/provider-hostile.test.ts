/**
 * Hostile input: names that must never reach libvirt, boot parameters with quotes and command
 * substitutions that must reach the guest's disk byte for byte, and templates that try to reach
 * outside their directory. Each is refused with a clear error and leaves the pool as it was.
 */
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type BootParams, type ErrorCode, isImsError } from '@ims/spi';
import { INVALID_NAMES } from '@ims/spi/conformance';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTgz, file } from '../../core/test/archive/tar-fixtures.js';
import { rejection } from '../../core/test/rejection.js';
import { type BuiltTemplate, busyboxTemplate } from './busybox-template.js';
import { uniqueName } from './libvirtd.js';
import { createProviderFixture, type ProviderFixture } from './provider-fixture.js';
import { assertBuilt, ims, runIms } from './run-ims.js';

async function expectRefused(promise: Promise<unknown>, code: ErrorCode, message?: RegExp): Promise<void> {
  const error = await rejection(promise);
  expect(isImsError(error), String(error)).toBe(true);
  expect((error as { code: string }).code, String(error)).toBe(code);
  if (message !== undefined) expect((error as Error).message).toMatch(message);
}

let fixture: ProviderFixture;
let template: BuiltTemplate;
let templateName: string;
let volumesBefore: string[];
let domainsBefore: string[];

beforeAll(async () => {
  template = await busyboxTemplate();
  fixture = await createProviderFixture('hostile');
  templateName = `${fixture.poolName}-tpl`.slice(0, 63);
  await fixture.provider.importTemplate({
    name: templateName,
    directory: template.directory,
    metadata: template.metadata,
  });
  volumesBefore = await fixture.volumes();
  domainsBefore = (await fixture.client.listAllDomains()).map((d) => d.name).sort();
}, 180_000);

afterAll(async () => {
  await fixture?.teardown();
});

async function expectNothingChanged(): Promise<void> {
  expect(await fixture.volumes()).toEqual(volumesBefore);
  expect((await fixture.client.listAllDomains()).map((d) => d.name).sort()).toEqual(domainsBefore);
}

describe('hostile names', () => {
  it('are refused by every operation with IMS_INVALID_NAME before anything reaches libvirt', async () => {
    const { provider } = fixture;
    const stop = { force: true, timeoutMs: 1_000 };
    const params: BootParams = { vmName: 'x', hostname: 'x', nics: [], dns: [], sshKeys: [], params: {} };
    const spec = (name: string, tpl = templateName) => ({
      name,
      template: tpl,
      cpus: 1,
      memoryMiB: 64,
      nics: [{}],
    });
    for (const name of [...INVALID_NAMES, '../../etc/passwd', 'x/../y', 'vm\nname', "a'b", 'a"b', '<x>']) {
      const operations: [string, () => Promise<unknown>][] = [
        ['createVm', () => provider.createVm(spec(name))],
        ['createVm(template)', () => provider.createVm(spec('fine-name', name))],
        ['startVm', () => provider.startVm(name, { bootParams: params })],
        ['stopVm', () => provider.stopVm(name, stop)],
        ['suspendVm', () => provider.suspendVm(name)],
        ['resumeVm', () => provider.resumeVm(name)],
        ['deleteVm', () => provider.deleteVm(name, { force: true })],
        ['getStatus', () => provider.getStatus(name)],
        ['getMetrics', () => provider.getMetrics(['fine-name', name])],
        ['getAddresses', () => provider.getAddresses(name)],
        ['deleteTemplate', () => provider.deleteTemplate(name)],
        [
          'importTemplate',
          () => provider.importTemplate({ name, directory: template.directory, metadata: template.metadata }),
        ],
      ];
      for (const [operation, run] of operations) {
        const error = await rejection(run());
        expect(
          isImsError(error) && error.code,
          `${operation}(${JSON.stringify(name)}): ${String(error)}`,
        ).toBe('IMS_INVALID_NAME');
      }
    }
    await expectNothingChanged();
  });
});

describe('hostile boot parameters', () => {
  it('reach the boot-parameter volume byte for byte, with nothing run on the way', async () => {
    const { provider, context } = fixture;
    const vm = uniqueName('ims-hostile-vm');
    const canary = join(fixture.dir, 'pwned');
    const created = await provider.createVm({
      name: vm,
      template: templateName,
      cpus: 1,
      memoryMiB: 128,
      nics: [{}],
    });
    const mac = created.macs[0] ?? '';
    const params: BootParams = {
      vmName: vm,
      hostname: vm,
      nics: [{ mac, address: 'dhcp' }],
      dns: [],
      sshKeys: [],
      params: {
        quotes: `it's "double" and 'single'`,
        substitution: `$(touch ${canary})`,
        backticks: `\`touch ${canary}\``,
        xml: `</cmdline><kernel>/etc/shadow</kernel>`,
      },
    };
    try {
      await provider.startVm(vm, { bootParams: params });
      const written = await readFile(join(fixture.poolDir, `${vm}-bootparams.iso`));
      expect(written.equals(Buffer.from(await context.bootImage.build(params)))).toBe(true);
      expect(existsSync(canary)).toBe(false);
    } finally {
      await provider.deleteVm(vm, { force: true });
    }
    await expectNothingChanged();
  }, 120_000);
});

describe('hostile templates', () => {
  async function templateCopy(name: string, edit: (meta: Record<string, unknown>) => void): Promise<string> {
    const copy = join(fixture.dir, name);
    await mkdir(copy);
    for (const entry of ['vmlinuz', 'initrd.img', 'System.img'])
      await copyFile(join(template.directory, entry), join(copy, entry));
    const meta = JSON.parse(JSON.stringify(template.metadata)) as Record<string, unknown>;
    meta.disks = [{ file: 'System.img', role: 'system', format: 'raw', sizeBytes: 0 }];
    edit(meta);
    await writeFile(join(copy, 'template.json'), JSON.stringify(meta));
    return copy;
  }

  it('refuse template.json paths that leave the template directory, and create nothing', async () => {
    const outside = await templateCopy('outside', (meta) => {
      meta.kernel = '../../../../etc/passwd';
    });
    await expectRefused(
      fixture.provider.importTemplate({ name: 'evil-path', directory: outside }),
      'IMS_INVALID_ARGUMENT',
      /must be a path inside the template/,
    );
    const absolute = await templateCopy('absolute', (meta) => {
      meta.initrd = '/etc/shadow';
    });
    await expectRefused(
      fixture.provider.importTemplate({ name: 'evil-absolute', directory: absolute }),
      'IMS_INVALID_ARGUMENT',
    );
    const linked = await templateCopy('linked', (meta) => {
      meta.kernel = 'vmlinuz-link';
    });
    await symlink('/etc/passwd', join(linked, 'vmlinuz-link'));
    await expectRefused(
      fixture.provider.importTemplate({ name: 'evil-link', directory: linked }),
      'IMS_INVALID_ARGUMENT',
      /leads outside the template directory/,
    );
    await expectNothingChanged();
  });

  it('refuse templates without template.json, kernel or initrd, saying what is missing', async () => {
    const bare = join(fixture.dir, 'bare');
    await mkdir(bare);
    await expectRefused(
      fixture.provider.importTemplate({ name: 'no-json', directory: bare }),
      'IMS_INVALID_ARGUMENT',
      /has no template.json/,
    );
    const noKernel = await templateCopy('no-kernel', (meta) => {
      delete meta.kernel;
      delete meta.initrd;
    });
    await expectRefused(
      fixture.provider.importTemplate({ name: 'no-kernel', directory: noKernel }),
      'IMS_INVALID_ARGUMENT',
      /template.json is missing "kernel" and "initrd"/,
    );
    const missingFile = await templateCopy('missing-file', (meta) => {
      meta.initrd = 'not-there.img';
    });
    await expectRefused(
      fixture.provider.importTemplate({ name: 'missing-file', directory: missingFile }),
      'IMS_INVALID_ARGUMENT',
      /initrd file not-there.img named in template.json is missing/,
    );
    await expectNothingChanged();
  });

  it('refuses a duplicate import with IMS_ALREADY_EXISTS and leaves the first one intact', async () => {
    await expectRefused(
      fixture.provider.importTemplate({
        name: templateName,
        directory: template.directory,
        metadata: template.metadata,
      }),
      'IMS_ALREADY_EXISTS',
    );
    expect((await fixture.provider.listTemplates()).map((t) => t.name)).toContain(templateName);
    await expectNothingChanged();
  });

  it('`ims template import` refuses an archive with ../ entries: nothing extracted outside, nothing in the pool', async () => {
    assertBuilt();
    const home = join(fixture.dir, 'cli-home');
    await ims(
      [
        ...[
          'config',
          'create',
          'hostile',
          '--provider',
          'libvirt',
          '--uri',
          'qemu:///system',
          '--domain-type',
          'qemu',
        ],
        ...['--pool', fixture.poolName, '--pool-path', fixture.poolDir, '--console-log-dir', fixture.logDir],
      ],
      home,
    );
    const escaped = join(fixture.dir, 'escaped.txt');
    const archive = join(fixture.dir, 'evil.tgz');
    await writeFile(
      archive,
      await buildTgz([
        file(
          'template.json',
          JSON.stringify({ name: 'evil', kernel: 'vmlinuz', initrd: 'initrd.img', disks: [] }),
        ),
        file('../escaped.txt', 'escaped'),
        file('vmlinuz', 'k'),
      ]),
    );
    const imported = await runIms(['template', 'import', 'hostile', archive, '--name', 'evil'], home);
    expect(imported.code, imported.stderr).toBe(1);
    expect(imported.stderr).toMatch(/\.\.\/escaped\.txt/);
    expect(existsSync(escaped)).toBe(false);
    expect(existsSync(join(home, '..', 'escaped.txt'))).toBe(false);
    await expectNothingChanged();
    await rm(home, { recursive: true, force: true });
  });
});
