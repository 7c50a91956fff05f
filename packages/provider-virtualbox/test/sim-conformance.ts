/**
 * The SPI conformance kit against the VBoxManage simulator imitating one VirtualBox version:
 * the busybox template of ovm-templates is imported as the fixture's template, and the kit
 * imports it again under another name to check import, listing and deletion.
 */
import { runConformanceSuite } from '@ims/spi/conformance';
import { busyboxTemplate } from '../../provider-libvirt/test/busybox-template.js';
import plugin from '../src/index.js';
import { createSimFixture, type SimVersion } from './sim-fixture.js';

/** Registers the conformance suite for one simulated version, run locally. */
export function simulatorConformance(version: SimVersion, env: Record<string, string> = {}): void {
  runConformanceSuite({
    name: `virtualbox (VBoxManage simulator ${version}, local)`,
    vmPrefix: `vb${version.replace('.', '')}`,
    async setup() {
      const template = await busyboxTemplate();
      const fixture = await createSimFixture({ version, prefix: `conf${version.replace('.', '')}`, env });
      try {
        await fixture.provider.importTemplate({
          name: 'busybox',
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
        template: 'busybox',
        templateDir: template.directory,
        async teardown() {
          const listed = await fixture.vbox(['list', 'vms']);
          await fixture.teardown();
          const leftovers = listed.stdout
            .split('\n')
            .filter((line) => line.startsWith('"') && !line.startsWith('"ims-template-busybox"'));
          if (leftovers.length > 0)
            throw new Error(`VMs left behind in the simulator: ${leftovers.join(', ')}`);
        },
      };
    },
    timeouts: { bootMs: 10_000, stopMs: 10_000, ipMs: 10_000, operationMs: 30_000 },
  });
}
