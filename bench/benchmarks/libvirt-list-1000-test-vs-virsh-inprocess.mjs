// Informational (no target): the same 1,000-domain test-driver listing as
// libvirt-list-1000-test-vs-virsh, but with virsh running the test driver inside its own process
// (`virsh -c test:///path`, no daemon, no socket, no RPC). IMS cannot do that (it speaks libvirt's
// RPC protocol only), so this ratio shows what the daemon round trip costs, not an IMS overhead.
import { requireCommand } from '../lib/prerequisites.mjs';
import { imsListBig, setupTestDriverListing } from '../lib/test-driver-setup.mjs';

export default {
  name: 'libvirt-list-1000-test-vs-virsh-inprocess',
  runs: 7,
  warmup: 1,
  async setup(scope) {
    requireCommand('virsh', ['--version'], 'apt-get install -y --no-install-recommends libvirt-clients');
    return setupTestDriverListing(scope, 'list-test-virsh-inproc');
  },
  subject: imsListBig,
  baseline: ({ fixture }) => ({
    name: 'virsh -c test:/// list --all (in-process)',
    command: { argv: ['virsh', '-c', `test://${fixture}`, 'list', '--all'] },
  }),
};
