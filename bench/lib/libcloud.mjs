// Apache libcloud's libvirt driver as a baseline: `list_nodes()` from /usr/bin/python3, which
// exits non-zero unless it saw the expected number of domains (so a broken baseline never
// produces a flattering ratio).
import { requirePythonModules } from './prerequisites.mjs';

/** Fails unless libcloud and the libvirt Python binding are importable. */
export function requireLibcloud() {
  requirePythonModules(
    ['libvirt', 'libcloud.compute.drivers.libvirt_driver'],
    'apt-get install -y --no-install-recommends python3-libcloud python3-libvirt',
  );
}

/** The runner's command for libcloud's `LibvirtNodeDriver(uri).list_nodes()`, expecting `count` nodes. */
export function libcloudListCommand(uri, count) {
  // LibvirtNodeDriver(uri, key=None, secret=None): key/secret are only for +tcp URIs.
  const script =
    'import sys\n' +
    'from libcloud.compute.drivers.libvirt_driver import LibvirtNodeDriver as D\n' +
    'n = len(D(sys.argv[1]).list_nodes())\n' +
    'print(n)\n' +
    'sys.exit(0 if n == int(sys.argv[2]) else f"libcloud listed {n} nodes, expected {sys.argv[2]}")\n';
  return { argv: ['/usr/bin/python3', '-c', script, uri, String(count)] };
}
