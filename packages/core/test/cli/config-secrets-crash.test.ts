/**
 * A configuration's secrets and the state change together: `ims config create` and `ims config
 * delete` killed with SIGKILL between their writes never let a later configuration of the same
 * name see the old secret, and the next write removes what the killed one left behind.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, FIXTURE_PLUGINS, runIms, tempHome } from './run-ims.js';

beforeAll(assertBuilt);

const OLD = 'old-secret-must-not-survive';
const NEW = 'new-secret-of-the-second-life';

function setup() {
  const home = tempHome();
  const env = { IMS_HOME: home, IMS_PLUGIN_PATH: FIXTURE_PLUGINS, OLD_TOKEN: OLD, NEW_TOKEN: NEW };
  const ims = (words: string[], extra: Record<string, string> = {}) => runIms(words, { ...env, ...extra });
  /** `ims` that dies with SIGKILL at the named point between two writes of its state update. */
  const imsKilledAt = async (point: string, words: string[]) => {
    const run = await ims(words, { IMS_TEST_KILL_AT: point });
    // Without this, a run that simply finished would pass for one that was interrupted.
    expect(run.code, `ims ${words.join(' ')} was not killed at ${point}: ${run.stderr}`).toBeNull();
    return run;
  };
  const file = (name: string) => (existsSync(join(home, name)) ? readFileSync(join(home, name), 'utf8') : '');
  const shownToken = async () => {
    const shown = await ims(['config', 'show', 'mem', '--json']);
    expect(shown.code, shown.stderr).toBe(0);
    return (JSON.parse(shown.stdout) as { options: Record<string, unknown> }).options.token;
  };
  return { home, ims, imsKilledAt, file, shownToken };
}

describe('config create killed after its secrets were saved', () => {
  const createWithOld = ['config', 'create', 'mem', '--provider', 'memory', '--token-env', 'OLD_TOKEN'];

  it('leaves no configuration, and a create without a password does not inherit the old one', async () => {
    const { ims, imsKilledAt, file, shownToken } = setup();
    await imsKilledAt('state-update:secrets-added', createWithOld);
    expect(file('secrets.json')).toContain(OLD);
    expect(file('state.json')).not.toContain('"mem"');

    const again = await ims(['config', 'create', 'mem', '--provider', 'memory']);
    expect(again.code, again.stderr).toBe(0);
    expect(await shownToken()).toBeUndefined();
    expect(file('secrets.json')).not.toContain(OLD);
  });

  it('and a create with a new password keeps only the new one', async () => {
    const { ims, imsKilledAt, file, shownToken } = setup();
    await imsKilledAt('state-update:secrets-added', createWithOld);

    const again = await ims(['config', 'create', 'mem', '--provider', 'memory', '--token-env', 'NEW_TOKEN']);
    expect(again.code, again.stderr).toBe(0);
    expect(await shownToken()).toBe('***');
    const secrets = file('secrets.json');
    expect(secrets).toContain(NEW);
    expect(secrets).not.toContain(OLD);
  });
});

describe('config delete killed after the state was saved', () => {
  it('never gives the deleted secret to a configuration created again under the name', async () => {
    const { ims, imsKilledAt, file, shownToken } = setup();
    const created = await ims([
      'config',
      'create',
      'mem',
      '--provider',
      'memory',
      '--token-env',
      'OLD_TOKEN',
    ]);
    expect(created.code, created.stderr).toBe(0);
    await imsKilledAt('state-update:state-saved', ['config', 'delete', 'mem']);
    expect(file('state.json')).not.toContain('"mem"');
    expect(file('secrets.json')).toContain(OLD);

    const again = await ims(['config', 'create', 'mem', '--provider', 'memory']);
    expect(again.code, again.stderr).toBe(0);
    expect(await shownToken()).toBeUndefined();
    expect(file('secrets.json')).not.toContain(OLD);
  });

  it('removes the secret from secrets.json when it is not interrupted', async () => {
    const { ims, file } = setup();
    expect(
      (await ims(['config', 'create', 'mem', '--provider', 'memory', '--token-env', 'OLD_TOKEN'])).code,
    ).toBe(0);
    expect(file('secrets.json')).toContain(OLD);
    const deleted = await ims(['config', 'delete', 'mem']);
    expect(deleted.code, deleted.stderr).toBe(0);
    expect(file('secrets.json')).not.toContain(OLD);
  });
});

describe('a configuration created again after a delete was killed', () => {
  it("starts with an empty data directory, not the deleted one's", async () => {
    const { home, ims, imsKilledAt } = setup();
    expect((await ims(['config', 'create', 'mem', '--provider', 'memory'])).code).toBe(0);
    // Using the configuration creates its data directory; a provider keeps its records there.
    expect((await ims(['config', 'test', 'mem'])).code).toBe(0);
    const leftover = join(home, 'data', 'mem', 'provider-records.json');
    writeFileSync(leftover, '{"templates": ["of the deleted configuration"]}');
    await imsKilledAt('state-update:state-saved', ['config', 'delete', 'mem']);
    expect(existsSync(leftover)).toBe(true);

    const again = await ims(['config', 'create', 'mem', '--provider', 'memory']);
    expect(again.code, again.stderr).toBe(0);
    expect(existsSync(leftover)).toBe(false);
  });
});

describe('config update killed between its writes', () => {
  it('keeps the old secret in use until the state names the new one, and leaves no orphan', async () => {
    const { ims, imsKilledAt, file } = setup();
    const created = await ims([
      'config',
      'create',
      'mem',
      '--provider',
      'memory',
      '--token-env',
      'OLD_TOKEN',
    ]);
    expect(created.code, created.stderr).toBe(0);
    const stateBefore = file('state.json');
    await imsKilledAt('state-update:secrets-added', ['config', 'update', 'mem', '--token-env', 'NEW_TOKEN']);
    // Both entries on disk, the state unchanged: it still names the old one.
    expect(file('state.json')).toBe(stateBefore);
    expect(file('secrets.json')).toContain(NEW);

    const listed = await ims(['config', 'list']);
    expect(listed.code, listed.stderr).toBe(0);
    const updated = await ims(['config', 'update', 'mem', '--token-env', 'NEW_TOKEN']);
    expect(updated.code, updated.stderr).toBe(0);
    const secrets = JSON.parse(file('secrets.json')) as { entries: Record<string, { token: string }> };
    expect(Object.values(secrets.entries)).toEqual([{ token: NEW }]);
  });
});

describe('secrets left under a configuration name by an earlier IMS (secrets.json version 1)', () => {
  it('are not inherited by a configuration created under that name, and are removed', async () => {
    const { home, ims, file, shownToken } = setup();
    // What a version-1 `config create` killed after its secrets write left: an entry keyed by the
    // name, no configuration.
    mkdirSync(home, { recursive: true, mode: 0o700 });
    writeFileSync(
      join(home, 'secrets.json'),
      JSON.stringify({ version: 1, configs: { mem: { token: OLD } } }),
      { mode: 0o600 },
    );
    const again = await ims(['config', 'create', 'mem', '--provider', 'memory']);
    expect(again.code, again.stderr).toBe(0);
    expect(await shownToken()).toBeUndefined();
    expect(file('secrets.json')).not.toContain(OLD);
  });
});

describe('IMS_TEST_KILL_AT', () => {
  it('does nothing when it names no kill point', async () => {
    const { ims, file } = setup();
    const run = await ims(['config', 'create', 'mem', '--provider', 'memory', '--token-env', 'OLD_TOKEN'], {
      IMS_TEST_KILL_AT: 'state-update:nowhere',
    });
    expect(run.code, run.stderr).toBe(0);
    expect(file('state.json')).toContain('"mem"');
  });
});
