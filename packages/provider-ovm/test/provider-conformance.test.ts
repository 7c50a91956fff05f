/**
 * The SPI conformance kit against the OVM Manager simulator, with dom0 reached over SSH/SFTP on
 * a real OpenSSH server on 127.0.0.1. The fixture's template is imported from its .tgz (upload,
 * checksum, extraction on dom0); the kit imports it again from the directory, file by file.
 */
import { runConformanceSuite } from '@ims/spi/conformance';
import { busyboxTemplate } from '../../provider-libvirt/test/busybox-template.js';
import plugin from '../src/index.js';
import { startOvmFixture } from './ovm-fixture.js';

runConformanceSuite({
  name: 'ovm (Manager simulator, dom0 over SSH on 127.0.0.1)',
  vmPrefix: 'ovmconf',
  async setup() {
    const template = await busyboxTemplate();
    const fixture = await startOvmFixture('conf');
    const name = 'ovmconf-base';
    try {
      await fixture.provider.importTemplate({
        name,
        directory: template.directory,
        archivePath: template.archive,
        metadata: template.metadata,
      });
    } catch (error) {
      await fixture.teardown();
      throw error;
    }
    return {
      plugin,
      provider: fixture.provider,
      template: name,
      templateDir: template.directory,
      async teardown() {
        const vms = await fixture.runningPool();
        const seeds = await fixture.seedPool();
        await fixture.teardown();
        if (vms.length > 0) throw new Error(`VM directories left behind in running_pool: ${vms.join(', ')}`);
        if (seeds.join() !== name)
          throw new Error(`seed_pool holds ${seeds.join(', ')}; expected only ${name}`);
      },
    };
  },
  timeouts: { bootMs: 20_000, stopMs: 10_000, ipMs: 20_000, operationMs: 30_000 },
});
