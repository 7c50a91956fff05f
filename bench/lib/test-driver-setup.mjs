// Shared setup of the 1,000-domain test-driver listings: a fixture file and an IMS configuration
// `big` whose URI opens it through libvirtd.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { runIms } from './ims.mjs';
import { libvirtTempDir } from './paths.mjs';
import { requireBuild, requireLibvirtd } from './prerequisites.mjs';
import { writeTestDriverFixture } from './test-driver-fixture.mjs';

/** How many domains the fixture holds. */
export const DOMAINS = 1000;

/** What the listing benchmarks on the test driver get from {@link setupTestDriverListing}. */
export async function setupTestDriverListing(scope, prefix) {
  requireBuild();
  await requireLibvirtd();
  const dir = libvirtTempDir(`ims-bench-${prefix}`);
  scope.defer(() => rmSync(dir, { recursive: true, force: true }));
  const fixture = join(dir, 'node.xml');
  writeTestDriverFixture(fixture, DOMAINS);
  const home = join(dir, 'home');
  const uri = `test://${fixture}`;
  runIms(home, ['config', 'create', 'big', '--provider', 'libvirt', '--uri', uri, '--domain-type', 'qemu']);
  const listed = JSON.parse(runIms(home, ['vm', 'list', '--config', 'big', '--all', '--json']));
  if (listed.length !== DOMAINS)
    throw new Error(`ims listed ${listed.length} domains of ${DOMAINS} in ${fixture}`);
  return { dir, home, fixture };
}

/** The subject of every test-driver listing: `ims vm list --config big --all --json`. */
export function imsListBig({ home }) {
  return {
    name: 'ims vm list --all --json',
    command: {
      argv: [
        process.execPath,
        'packages/core/bin/ims.js',
        'vm',
        'list',
        '--config',
        'big',
        '--all',
        '--json',
      ],
      env: { ...process.env, IMS_HOME: home },
    },
  };
}
