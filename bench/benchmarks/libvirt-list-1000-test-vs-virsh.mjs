// `ims vm list --config big --all --json` on libvirt's test driver holding 1,000 domains (a node
// fixture file, every fourth domain running) against `virsh list --all` on the same fixture.
// Target: at most 1.5× virsh.
//
// Pairing: IMS has no native binding, so it always reaches the test driver through libvirtd
// (`test:///path` is opened by the daemon, which loads the fixture for each new connection).
// `virsh -c test:///path` would not: libvirt's client library runs the test driver inside the
// virsh process (strace shows no connect()). `virsh -c test+unix:///path` sends the same open
// through the daemon's socket, so the daemon does the same work for both; that is the pairing
// measured here. The in-process virsh is measured beside it in
// libvirt-list-1000-test-vs-virsh-inprocess (informational, no target).
import { requireCommand } from '../lib/prerequisites.mjs';
import { imsListBig, setupTestDriverListing } from '../lib/test-driver-setup.mjs';

export default {
  name: 'libvirt-list-1000-test-vs-virsh',
  maxRatio: 1.5,
  runs: 11,
  warmup: 2,
  async setup(scope) {
    requireCommand('virsh', ['--version'], 'apt-get install -y --no-install-recommends libvirt-clients');
    return setupTestDriverListing(scope, 'list-test-virsh');
  },
  subject: imsListBig,
  baseline: ({ fixture }) => ({
    name: 'virsh -c test+unix:// list --all',
    command: { argv: ['virsh', '-c', `test+unix://${fixture}`, 'list', '--all'] },
  }),
};
