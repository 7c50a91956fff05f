// `ims vm list --config big --all --json` on libvirt's test driver holding 1,000 domains against
// Apache libcloud's libvirt driver, `LibvirtNodeDriver(uri).list_nodes()` (python3-libcloud with
// python3-libvirt). Target: IMS at least 5× faster (ratio ≤ 0.2).
//
// Pairing: as in libvirt-list-1000-test-vs-virsh, both sides go through libvirtd: libcloud gets
// `test+unix:///path` (with `test:///path` the Python binding would run the test driver inside
// the Python process, which IMS cannot do). libcloud asks per domain (info, XML for the MACs, OS
// type) and, for a local URI, runs `arp -an` once per domain to find addresses; that is its
// normal list_nodes() behaviour and part of what is measured. The in-process variant is
// libvirt-list-1000-test-vs-libcloud-inprocess (informational).
import { libcloudListCommand, requireLibcloud } from '../lib/libcloud.mjs';
import { DOMAINS, imsListBig, setupTestDriverListing } from '../lib/test-driver-setup.mjs';

export default {
  name: 'libvirt-list-1000-test-vs-libcloud',
  maxRatio: 0.2,
  runs: 7,
  warmup: 1,
  async setup(scope) {
    requireLibcloud();
    return setupTestDriverListing(scope, 'list-test-libcloud');
  },
  subject: imsListBig,
  baseline: ({ fixture }) => ({
    name: 'libcloud list_nodes() (test+unix://)',
    command: libcloudListCommand(`test+unix://${fixture}`, DOMAINS),
  }),
};
