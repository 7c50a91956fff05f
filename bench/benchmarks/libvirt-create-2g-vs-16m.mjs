// `ims vm create` from a template whose system disk is 2 GiB against the same from a 16 MiB one
// (both made from the busybox template: its ext4 system image resized, the application disk
// dropped, template.json's sizes and SHA-256 sums rewritten; imported into one pool in setup).
// VMs are copy-on-write overlays, so creation time must not grow with the template's size.
// Before every run (not timed) the side's VM is deleted with `ims vm delete`. Target: at most 1.5×.
import { sizedBusyboxTemplate } from '../lib/busybox-template.mjs';
import { imsCommand, runIms } from '../lib/ims.mjs';
import { openLibvirt } from '../lib/libvirt.mjs';
import { createLibvirtConfig } from '../lib/libvirt-config.mjs';
import { requireLibvirtStack, requireQemu } from '../lib/prerequisites.mjs';

const MiB = 1024 * 1024;
const SIDES = {
  subject: { template: 'bench-2g', systemBytes: 2048 * MiB, vm: 'bench-create-2g' },
  baseline: { template: 'bench-16m', systemBytes: 16 * MiB, vm: 'bench-create-16m' },
};
const NOT_FOUND = 3;

function createCommand(home, side) {
  return imsCommand(home, ['vm', 'create', 'create', side.vm, '--template', side.template]);
}

export default {
  name: 'libvirt-create-2g-vs-16m',
  maxRatio: 1.5,
  runs: 9,
  warmup: 1,
  async setup(scope) {
    await requireLibvirtStack();
    requireQemu();
    const config = createLibvirtConfig(scope, { prefix: 'create', configName: 'create' });
    for (const side of Object.values(SIDES)) {
      const directory = await sizedBusyboxTemplate(side.template, side.systemBytes);
      runIms(config.home, ['template', 'import', 'create', directory]);
    }
    // The sizes must really differ in the pool, or the ratio says nothing.
    const client = await openLibvirt();
    try {
      const pool = await client.lookupStoragePoolByName(config.poolName);
      for (const side of Object.values(SIDES)) {
        const volume = await client.lookupStorageVolByName(pool, `ims-tpl-${side.template}-system`);
        const { capacity } = await client.getStorageVolInfo(volume);
        if (capacity !== side.systemBytes) {
          throw new Error(
            `template ${side.template}'s system volume holds ${capacity} bytes, not ${side.systemBytes}`,
          );
        }
      }
    } finally {
      await client.close();
    }
    return config;
  },
  reset({ home }, which) {
    runIms(home, ['vm', 'delete', SIDES[which].vm, '--force'], { okExitCodes: [0, NOT_FOUND] });
  },
  subject: ({ home }) => ({
    name: 'ims vm create (2 GiB template)',
    command: createCommand(home, SIDES.subject),
  }),
  baseline: ({ home }) => ({
    name: 'ims vm create (16 MiB template)',
    command: createCommand(home, SIDES.baseline),
  }),
};
