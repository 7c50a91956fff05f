/** `ims` refuses an IMS_HOME that other users can change, before reading state or loading plugins. */
import { chmodSync, mkdirSync, readdirSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, FIXTURE_PLUGINS, runIms, tempHome } from './run-ims.js';

beforeAll(assertBuilt);

describe('an IMS_HOME writable by every user', () => {
  it('is refused with exit 1, saying to chmod it, and nothing is written', async () => {
    const home = tempHome();
    mkdirSync(home, { recursive: true });
    chmodSync(home, 0o777);
    const env = { IMS_HOME: home, IMS_PLUGIN_PATH: FIXTURE_PLUGINS };
    for (const words of [
      ['config', 'list'],
      ['config', 'create', 'mem', '--provider', 'memory'],
    ]) {
      const run = await runIms(words, env);
      expect(run.code, run.stderr).toBe(1);
      expect(run.stderr).toContain(`Refusing to use the IMS home ${home}`);
      expect(run.stderr).toContain(`chmod 700 ${home}`);
    }
    expect(readdirSync(home)).toEqual([]);
    chmodSync(home, 0o700);
    expect((await runIms(['config', 'list'], env)).code).toBe(0);
  });
});
