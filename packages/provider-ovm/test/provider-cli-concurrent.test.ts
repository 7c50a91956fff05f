/**
 * Three `ims template import` processes for the same template name at once, through the built
 * CLI against the OVM Manager simulator and a real sshd as dom0. One import wins; the others are
 * refused, name the process that holds the name, and never remove the winner's files.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { patternBytes } from '../../core/test/archive/tar-fixtures.js';
import { assertProviderBuilt } from '../../core/test/cli/provider-build.js';
import { runIms, runImsOk } from '../../core/test/cli/run-ims.js';
import type { TestSshd } from '../../core/test/ssh/sshd.js';
import {
  MANAGER_PASSWORD,
  MANAGER_USER,
  type OvmServers,
  type Simulator,
  startOvmServers,
} from './ovm-fixture.js';

const CONFIG = 'ovm-race';
let servers: OvmServers | undefined;
let dir: string;
let home: string;
let ovsRoot: string;
let sim: Simulator;
let sshd: TestSshd;
const env = () => ({ IMS_HOME: home, OVM_PASSWORD: MANAGER_PASSWORD });

beforeAll(async () => {
  assertProviderBuilt(resolve(import.meta.dirname, '..'));
  servers = await startOvmServers('race');
  ({ dir, home, ovsRoot, sim, sshd } = servers);
}, 60_000);

afterAll(async () => {
  await servers?.stop();
});

describe('concurrent imports of one template name', () => {
  it('one wins, the others are refused naming its process, and its template stays whole', async () => {
    await runImsOk(
      [
        ...['config', 'create', CONFIG, '--provider', 'ovm', '--manager-url', sim.url],
        ...['--username', MANAGER_USER, '--password-env', 'OVM_PASSWORD', '--server-pool', sim.poolName],
        ...['--dom0-host', '127.0.0.1', '--dom0-port', String(sshd.port), '--dom0-user', sshd.username],
        ...['--dom0-key', sshd.clientKeyPath, '--host-key-fingerprint', sshd.fingerprint],
        ...['--ovs-root', ovsRoot],
      ],
      env(),
    );
    // Big enough that the imports overlap: packing and uploading take a while.
    const tree = join(dir, 'tree');
    await mkdir(tree);
    const disk = patternBytes(24 * 1024 * 1024, 7);
    await writeFile(join(tree, 'vm.cfg'), "name = 'race'\nmemory = 64\nvcpus = 1\nvif = ['bridge=xenbr0']\n");
    await writeFile(join(tree, 'System.img'), disk);
    const archive = join(dir, 'race.tgz');
    execFileSync('tar', ['czf', archive, '-C', tree, '.']);

    const runs = await Promise.all(
      [1, 2, 3].map(() => runIms(['template', 'import', CONFIG, archive, '--name', 'race'], env())),
    );
    const winners = runs.filter((r) => r.code === 0);
    const losers = runs.filter((r) => r.code !== 0);
    expect(winners.length, runs.map((r) => r.stderr).join('\n---\n')).toBe(1);
    for (const loser of losers) {
      expect(loser.code).toBe(1);
      expect(loser.stderr).toMatch(
        /Template "race" is being imported into configuration "ovm-race" by process \d+|already has a template named "race"/,
      );
    }
    expect(await readdir(join(ovsRoot, 'seed_pool'))).toEqual(['race']);
    expect((await readdir(join(ovsRoot, 'seed_pool', 'race'))).sort()).toEqual(['System.img', 'vm.cfg']);
    expect((await readFile(join(ovsRoot, 'seed_pool', 'race', 'System.img'))).equals(disk)).toBe(true);
    const listed = JSON.parse((await runImsOk(['template', 'list', '--json'], env())).stdout) as {
      name: string;
    }[];
    expect(listed.map((t) => t.name)).toEqual(['race']);
    expect(await readdir(join(home, 'locks'))).toEqual([]);
  }, 120_000);
});
