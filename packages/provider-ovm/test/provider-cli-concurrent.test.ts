/**
 * Three `ims template import` processes for the same template name at once, through the built
 * CLI against the OVM Manager simulator and a real sshd as dom0. One import wins; the others are
 * refused, name the process that holds the name, and never remove the winner's files.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { patternBytes } from '../../core/test/archive/tar-fixtures.js';
import { runIms, runImsOk } from '../../core/test/cli/run-ims.js';
import { configCreateWords, MANAGER_PASSWORD, useOvmServers } from './ovm-fixture.js';

const CONFIG = 'ovm-race';
const servers = useOvmServers('race');
const env = () => ({ IMS_HOME: servers.home, OVM_PASSWORD: MANAGER_PASSWORD });

describe('concurrent imports of one template name', () => {
  it('one wins, the others are refused naming its process, and its template stays whole', async () => {
    const { dir, home, ovsRoot } = servers;
    await runImsOk(configCreateWords(servers, CONFIG), env());
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
