/**
 * The SPI conformance kit against real libvirt (qemu:///system, TCG) with real busybox guests:
 * the template is imported into a pool of this run, the kit imports it again under another name
 * to check import, listing and deletion, and boots VMs from it.
 */
import { runConformanceSuite } from '@ims/spi/conformance';
import plugin from '../src/index.js';
import { busyboxTemplate } from './busybox-template.js';
import { createProviderFixture } from './provider-fixture.js';

runConformanceSuite({
  name: 'libvirt (qemu:///system, domain type qemu, user-mode NIC)',
  vmPrefix: 'lvconf',
  async setup() {
    const template = await busyboxTemplate();
    const fixture = await createProviderFixture('conf');
    const name = `${fixture.poolName}-tpl`.slice(0, 63);
    try {
      await fixture.provider.importTemplate({
        name,
        directory: template.directory,
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
        const leftovers = await fixture.domains();
        await fixture.teardown();
        if (leftovers.length > 0) throw new Error(`domains left behind in the pool: ${leftovers.join(', ')}`);
      },
    };
  },
  // Software emulation on two cores, possibly beside other test files booting guests too.
  timeouts: { bootMs: 120_000, stopMs: 60_000, ipMs: 120_000, operationMs: 120_000 },
});
