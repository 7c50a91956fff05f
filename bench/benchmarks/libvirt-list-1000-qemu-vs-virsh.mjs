// `ims vm list --config real --all --json` on the real daemon (qemu:///system) with 1,000 defined,
// inactive, diskless qemu domains against `virsh -c qemu:///system list --all`. Both talk to the
// same libvirtd over its unix socket. Target: at most 1.0× virsh.
//
// Setup defines the domains through the project's RPC client (about a second; not measured);
// their names carry the runner's pid and are all undefined again afterwards, also when a run
// fails or the runner is interrupted. Other domains on the daemon are listed by both sides alike.

import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { imsCommand, runIms } from '../lib/ims.mjs';
import { defineTinyDomains, openLibvirt, removeDomainsNamed } from '../lib/libvirt.mjs';
import { libvirtTempDir, uniqueName } from '../lib/paths.mjs';
import { requireLibvirtStack } from '../lib/prerequisites.mjs';

const DOMAINS = 1000;

export default {
  name: 'libvirt-list-1000-qemu-vs-virsh',
  maxRatio: 1.0,
  runs: 11,
  warmup: 2,
  async setup(scope) {
    await requireLibvirtStack();
    const dir = libvirtTempDir('ims-bench-list-qemu');
    scope.defer(() => rmSync(dir, { recursive: true, force: true }));
    const home = join(dir, 'home');
    runIms(home, ['config', 'create', 'real', '--provider', 'libvirt', '--domain-type', 'qemu']);

    const prefix = `${uniqueName('ims-bench-list')}-`;
    const client = await openLibvirt();
    scope.defer(async () => {
      try {
        await removeDomainsNamed(client, prefix);
      } finally {
        await client.close();
      }
    });
    const names = Array.from({ length: DOMAINS }, (_, i) => `${prefix}${String(i).padStart(4, '0')}`);
    await defineTinyDomains(client, names);

    const listed = JSON.parse(runIms(home, ['vm', 'list', '--config', 'real', '--all', '--json']));
    const ours = listed.filter((row) => row.name.startsWith(prefix));
    if (ours.length !== DOMAINS)
      throw new Error(`ims listed ${ours.length} of the ${DOMAINS} defined domains`);
    return { home };
  },
  subject: ({ home }) => ({
    name: 'ims vm list --all --json',
    command: imsCommand(home, ['vm', 'list', '--config', 'real', '--all', '--json']),
  }),
  baseline: () => ({
    name: 'virsh -c qemu:///system list --all',
    command: { argv: ['virsh', '-c', 'qemu:///system', 'list', '--all'] },
  }),
};
