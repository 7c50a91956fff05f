// Informational (no target): libvirt-list-1000-test-vs-libcloud with libcloud opening
// `test:///path`, so the Python binding runs the test driver inside the Python process (no
// daemon, no RPC), while IMS still goes through libvirtd.
import { libcloudListCommand, requireLibcloud } from '../lib/libcloud.mjs';
import { DOMAINS, imsListBig, setupTestDriverListing } from '../lib/test-driver-setup.mjs';

export default {
  name: 'libvirt-list-1000-test-vs-libcloud-inprocess',
  runs: 7,
  warmup: 1,
  async setup(scope) {
    requireLibcloud();
    return setupTestDriverListing(scope, 'list-test-libcloud-inproc');
  },
  subject: imsListBig,
  baseline: ({ fixture }) => ({
    name: 'libcloud list_nodes() (test:/// in-process)',
    command: libcloudListCommand(`test://${fixture}`, DOMAINS),
  }),
};
