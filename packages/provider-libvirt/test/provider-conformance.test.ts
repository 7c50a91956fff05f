/**
 * The SPI conformance kit against real libvirt (qemu:///system, TCG) with real busybox guests:
 * the template is imported into a pool of this run, the kit imports it again under another name
 * to check import, listing and deletion, and boots VMs from it.
 */
import { runConformanceSuite } from '@ims/spi/conformance';
import { conformanceTarget } from './conformance-target.js';
import { createProviderFixture } from './provider-fixture.js';

runConformanceSuite({
  name: 'libvirt (qemu:///system, domain type qemu, user-mode NIC)',
  vmPrefix: 'lvconf',
  setup: () => conformanceTarget(() => createProviderFixture('conf')),
  // Software emulation on two cores, possibly beside other test files booting guests too.
  timeouts: { bootMs: 120_000, stopMs: 60_000, ipMs: 120_000, operationMs: 120_000 },
});
