import { existsSync } from 'node:fs';
import { chmod, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildTemplate,
  makeTempDir,
  PACKAGE_DIR,
  removeTempDir,
  requireTool,
  run,
  runBuilder,
  sha256File,
} from './helpers/builder.js';
import { imageLabel, listImageDir, readImageFile, statImagePath } from './helpers/ext4.js';
import {
  expectArchiveMatchesDirectory,
  expectDisksMatchFiles,
  readTemplateJson,
  TEMPLATE_FILES,
} from './helpers/template.js';

const NAME = 'bb-test';
const HOOK = '#!/bin/sh\necho "hello from the hook"\n';

// The first run downloads the kernel (~27 MB) into the cache; later builds take seconds.
const BUILD_TIMEOUT = 300_000;

describe('ims-template-build --base busybox', () => {
  let work: string | undefined;
  let appDir: string;
  let hook: string;
  let fromDir: string;
  let fromArchive: string;
  let template: string;

  beforeAll(async () => {
    for (const [tool, pkg] of [
      ['debugfs', 'e2fsprogs'],
      ['cpio', 'cpio'],
      ['busybox', 'busybox-static'],
    ] as const) {
      requireTool(tool, pkg);
    }
    work = await makeTempDir('ims-tb-busybox');
    appDir = join(work, 'app');
    await mkdir(join(appDir, 'conf'), { recursive: true });
    await writeFile(join(appDir, 'hello.txt'), 'hello from the application\n');
    await writeFile(join(appDir, 'conf', 'app.properties'), 'das.host=admin.example\n');
    hook = join(work, '50-hello');
    await writeFile(hook, HOOK);
    await chmod(hook, 0o755);
    fromDir = join(work, 'from-dir');
    await buildTemplate([
      '--base',
      'busybox',
      '--name',
      NAME,
      '--out',
      fromDir,
      '--app',
      appDir,
      '--hook',
      hook,
    ]);
    template = join(fromDir, NAME);
    // The same content as an archive, built under the same name: a second, independent build.
    const archive = join(work, 'app.tgz');
    const tar = await run('tar', ['-C', appDir, '-czf', archive, '.']);
    expect(tar.code, tar.stderr).toBe(0);
    fromArchive = join(work, 'from-archive');
    await buildTemplate([
      '--base',
      'busybox',
      '--name',
      NAME,
      '--out',
      fromArchive,
      '--app',
      archive,
      '--hook',
      hook,
    ]);
  }, BUILD_TIMEOUT);

  afterAll(() => removeTempDir(work));

  it('writes the template directory and its archive, nothing else', async () => {
    expect((await readdir(fromDir)).sort()).toEqual([NAME, `${NAME}.tgz`]);
    expect((await readdir(template)).sort()).toEqual(TEMPLATE_FILES);
  });

  it('describes the template in template.json with real sizes and checksums', async () => {
    const metadata = await readTemplateJson(template);
    expect(metadata).toMatchObject({
      name: NAME,
      base: 'busybox',
      kernel: 'vmlinuz',
      initrd: 'initrd.img',
      cmdline: 'console=ttyS0 root=LABEL=ims-system ro quiet panic=-1',
    });
    expect(metadata.os).toMatch(/busybox 1\.\d+\.\d+.*Linux \d+\.\d+\.\d+-\d+-cloud-amd64/);
    expect(metadata.disks.map((disk) => [disk.file, disk.role, disk.format])).toEqual([
      ['System.img', 'system', 'raw'],
      ['Application.img', 'application', 'raw'],
      ['Bootparams.img', 'bootparams', 'raw'],
    ]);
    await expectDisksMatchFiles(template, metadata.disks);
  });

  it('archives exactly the directory, at the archive root, owned by root', async () => {
    await expectArchiveMatchesDirectory(join(fromDir, `${NAME}.tgz`), template);
  });

  it('puts the IMS boot scripts, the hook and the busybox system into System.img', async () => {
    const system = join(template, 'System.img');
    expect(await imageLabel(system)).toBe('ims-system');
    const scripts = await listImageDir(system, '/usr/lib/ims');
    expect(scripts).toEqual(expect.arrayContaining(['ims-bootconfig', 'lib']));
    expect(await readImageFile(system, '/usr/lib/ims/ims-bootconfig')).toBe(
      await readFile(join(PACKAGE_DIR, 'guest', 'ims-bootconfig'), 'utf8'),
    );
    expect((await statImagePath(system, '/usr/lib/ims/ims-bootconfig')).mode).toBe('0755');
    const guestLib = (await readdir(join(PACKAGE_DIR, 'guest', 'lib'))).sort();
    expect((await listImageDir(system, '/usr/lib/ims/lib')).sort()).toEqual(guestLib);

    expect(await listImageDir(system, '/etc/ims/boot.d')).toEqual(['50-hello']);
    expect(await readImageFile(system, '/etc/ims/boot.d/50-hello')).toBe(HOOK);
    expect((await statImagePath(system, '/etc/ims/boot.d/50-hello')).mode).toBe('0755');

    expect((await statImagePath(system, '/sbin/init')).linkTarget).toBe('/bin/busybox');
    expect(await readImageFile(system, '/etc/inittab')).toContain('::sysinit:/etc/init.d/rcS');
    expect(await readImageFile(system, '/etc/init.d/rcS')).toContain('/usr/lib/ims/ims-bootconfig');
    expect(await listImageDir(system, '/usr/sbin')).toContain('qemu-ga');
    expect(await readImageFile(system, '/etc/hostname')).toBe(`${NAME}\n`);
  });

  it('puts the --app directory into Application.img', async () => {
    const app = join(template, 'Application.img');
    expect(await imageLabel(app)).toBe('ims-app');
    expect(await readImageFile(app, '/hello.txt')).toBe('hello from the application\n');
    expect(await readImageFile(app, '/conf/app.properties')).toBe('das.host=admin.example\n');
  });

  it('puts an --app archive into Application.img the same way', async () => {
    const app = join(fromArchive, NAME, 'Application.img');
    expect(await readImageFile(app, '/hello.txt')).toBe('hello from the application\n');
    expect(await readImageFile(app, '/conf/app.properties')).toBe('das.host=admin.example\n');
  });

  it('is reproducible: the same content gives byte-identical images and archive', async () => {
    for (const file of ['System.img', 'Application.img', 'initrd.img', 'template.json']) {
      expect(await sha256File(join(fromArchive, NAME, file)), file).toBe(
        await sha256File(join(template, file)),
      );
    }
    expect(await sha256File(join(fromArchive, `${NAME}.tgz`))).toBe(
      await sha256File(join(fromDir, `${NAME}.tgz`)),
    );
  });

  it('makes Bootparams.img a placeholder of zeros', async () => {
    const placeholder = await readFile(join(template, 'Bootparams.img'));
    expect(placeholder.length).toBe(65536);
    expect(placeholder.every((byte) => byte === 0)).toBe(true);
  });

  it('builds an initramfs with busybox, the drivers and its init', async () => {
    const listing = await run('sh', [
      '-c',
      'gzip -dc "$1" | cpio -t --quiet',
      'sh',
      join(template, 'initrd.img'),
    ]);
    expect(listing.code, listing.stderr).toBe(0);
    const entries = listing.stdout.split('\n');
    for (const entry of [
      'init',
      'bin/busybox',
      'sbin/switch_root',
      'lib/modules/load.order',
      'lib/modules/virtio_blk.ko',
      'lib/modules/virtio_net.ko',
      'lib/modules/isofs.ko',
      'lib/modules/xen-blkfront.ko',
    ]) {
      expect(entries, entry).toContain(entry);
    }
  });

  it('writes a Xen PV vm.cfg with direct kernel boot and the three disks', async () => {
    const cfg = await readFile(join(template, 'vm.cfg'), 'utf8');
    const seed = `/OVS/seed_pool/${NAME}`;
    expect(cfg).toContain(`name = '${NAME}'`);
    expect(cfg).toMatch(/^memory = 256$/m);
    expect(cfg).toContain(`kernel = '${seed}/vmlinuz'`);
    expect(cfg).toContain(`ramdisk = '${seed}/initrd.img'`);
    expect(cfg).toContain("extra = 'console=hvc0 root=LABEL=ims-system ro quiet panic=-1'");
    expect(cfg).toContain(
      `disk = ['file:${seed}/System.img,xvda,w',\n        'file:${seed}/Application.img,xvdb,w',\n        'file:${seed}/Bootparams.img,xvdc,r']`,
    );
    expect(cfg).toContain("vif = ['bridge=xenbr0']");
    expect(cfg).toContain("on_crash = 'restart'");
  });

  it('explains every file in the README', async () => {
    const readme = await readFile(join(template, 'README'), 'utf8');
    for (const file of TEMPLATE_FILES.filter((name) => name !== 'README')) {
      expect(readme, file).toContain(file);
    }
  });

  it(
    'makes an empty Application.img without --app',
    async () => {
      const out = join(work ?? '', 'no-app');
      await buildTemplate(['--base', 'busybox', '--name', 'bb-empty', '--out', out]);
      const app = join(out, 'bb-empty', 'Application.img');
      expect(await imageLabel(app)).toBe('ims-app');
      expect(await listImageDir(app, '/')).toEqual(['lost+found']);
      expect(await listImageDir(join(out, 'bb-empty', 'System.img'), '/etc/ims/boot.d')).toEqual([]);
    },
    BUILD_TIMEOUT,
  );

  it.each([
    ['../evil.txt', "unsafe member name '../evil.txt'"],
    ['/tmp/evil.txt', "unsafe member name '/tmp/evil.txt'"],
  ])('refuses an --app archive holding %s and leaves no output', async (member, message) => {
    const dir = join(work ?? '', `evil-${member.length}`);
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'evil.txt'), 'evil');
    const archive = join(dir, 'evil.tgz');
    // -P keeps the name as given; the transform makes it the hostile one.
    const tar = await run('tar', [
      '-C',
      dir,
      '-P',
      '--transform',
      `s,^evil.txt$,${member},`,
      '-czf',
      archive,
      'evil.txt',
    ]);
    expect(tar.code, tar.stderr).toBe(0);
    expect((await run('tar', ['-P', '-tzf', archive])).stdout.trim()).toBe(member);
    const out = join(dir, 'out');
    const result = await runBuilder(['--base', 'busybox', '--name', 'evil', '--out', out, '--app', archive]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(message);
    expect(existsSync(out)).toBe(false);
  });
});
