// Boot to IP address of one tiny guest (the busybox template, software emulation, 192 MiB, slirp
// NIC): `ims vm start <vm> --wait-ip` against the same steps done with virsh directly
// (lib/boot-with-virsh.sh: `virsh vol-upload` of the same boot-parameter ISO, made in setup with
// `ims vm bootparams <vm> --out`, `virsh start`, then `virsh domifaddr --source agent` every
// 0.25 s, IMS's own polling interval, until the configured 10.0.2.15 appears). Both sides boot the
// same domain; before every run (not timed) it is destroyed. Target: at most 1.2× virsh.
import { join } from 'node:path';
import { BUSYBOX_TEMPLATE, busyboxTemplate } from '../lib/busybox-template.mjs';
import { imsCommand, runIms } from '../lib/ims.mjs';
import { openLibvirt } from '../lib/libvirt.mjs';
import { createLibvirtConfig } from '../lib/libvirt-config.mjs';
import { repoRoot } from '../lib/paths.mjs';
import { requireCommand, requireLibvirtStack, requireQemu } from '../lib/prerequisites.mjs';

const VM = 'bench-boot';
const ADDRESS = '10.0.2.15';
const SHUTOFF = 5;

export default {
  name: 'libvirt-boot-to-ip-vs-virsh',
  maxRatio: 1.2,
  runs: 5,
  warmup: 1,
  timeoutSeconds: 180,
  async setup(scope) {
    await requireLibvirtStack();
    requireQemu();
    requireCommand('bash', ['--version'], 'apt-get install -y bash');
    const template = busyboxTemplate();
    const config = createLibvirtConfig(scope, { prefix: 'boot', configName: 'boot' });
    const { home, dir } = config;
    runIms(home, ['template', 'import', 'boot', template.archive]);
    runIms(home, ['vm', 'create', 'boot', VM, '--template', BUSYBOX_TEMPLATE, '--ip', `${ADDRESS}/24`]);
    const image = join(dir, 'bootparams.iso');
    runIms(home, ['vm', 'bootparams', VM, '--out', image]);
    const client = await openLibvirt();
    scope.defer(() => client.close());
    const domain = await client.lookupDomainByName(VM);
    // One IMS start leaves the boot volume at the image's size, which vol-upload then fills.
    runIms(home, ['vm', 'start', VM, '--wait-ip=120']);
    return { ...config, image, client, domain };
  },
  async reset({ client, domain }) {
    await client.destroyDomain(domain).catch(() => {});
    const { state } = await client.getDomainState(domain);
    if (state !== SHUTOFF) throw new Error(`${VM} is still in state ${state} after destroy`);
  },
  subject: ({ home }) => ({
    name: 'ims vm start --wait-ip',
    command: imsCommand(home, ['vm', 'start', VM, '--wait-ip=120']),
  }),
  baseline: ({ poolName, image }) => ({
    name: 'virsh vol-upload + start + domifaddr poll',
    command: {
      argv: [
        'bash',
        join(repoRoot, 'bench', 'lib', 'boot-with-virsh.sh'),
        poolName,
        `${VM}-bootparams.iso`,
        image,
        VM,
        ADDRESS,
      ],
    },
  }),
};
