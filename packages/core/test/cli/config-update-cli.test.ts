/** `ims config update`: change a configuration's options in place, secrets included; refusals change nothing. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, FIXTURE_PLUGINS, runIms, tempHome } from './run-ims.js';

beforeAll(assertBuilt);

describe('ims config update', () => {
  const home = tempHome();
  const env = {
    IMS_HOME: home,
    IMS_PLUGIN_PATH: FIXTURE_PLUGINS,
    TOKEN_A: 'first-secret',
    TOKEN_B: 'rotated-secret',
  };
  const ims = (...words: string[]) => runIms(words, env);
  /** The secrets.json entries, and the one the configuration `mem` names. */
  const secrets = () => {
    const state = JSON.parse(readFileSync(join(home, 'state.json'), 'utf8')) as {
      configs: Record<string, { secretsId: string }>;
    };
    const { entries } = JSON.parse(readFileSync(join(home, 'secrets.json'), 'utf8')) as {
      entries: Record<string, unknown>;
    };
    const id = state.configs.mem?.secretsId ?? '';
    return { entries, mem: entries[id] };
  };
  const options = async () =>
    (
      JSON.parse((await ims('config', 'show', 'mem', '--json')).stdout) as {
        options: Record<string, unknown>;
      }
    ).options;

  it('replaces the given options, keeps the others, and keeps secrets out of state and output', async () => {
    expect(
      (await ims('config', 'create', 'mem', '--provider', 'memory', '--token-env', 'TOKEN_A')).code,
    ).toBe(0);
    const updated = await ims('config', 'update', 'mem', '--token-env', 'TOKEN_B', '--boot-delay-ms', '5');
    expect(updated.code).toBe(0);
    expect(updated.stdout).toContain('bootDelayMs, token');
    expect(updated.stdout + updated.stderr).not.toContain('rotated-secret');
    // The rotated secret replaced the first one: no other entry is left in secrets.json.
    expect(secrets().mem).toEqual({ token: 'rotated-secret' });
    expect(Object.keys(secrets().entries)).toHaveLength(1);
    expect(await options()).toMatchObject({ bootDelayMs: 5, token: '***' });
    const state = readFileSync(join(home, 'state.json'), 'utf8');
    expect(state).not.toContain('rotated-secret');
    expect(state).not.toContain('first-secret');
  });

  it('refuses bad values, unknown configurations and an empty change, changing nothing', async () => {
    const before = readFileSync(join(home, 'state.json'), 'utf8');
    const bad = await ims('config', 'update', 'mem', '--boot-delay-ms', '-3');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--boot-delay-ms');
    expect((await ims('config', 'update', 'mem')).code).toBe(2);
    expect((await ims('config', 'update', 'nope', '--persist')).code).toBe(3);
    expect((await ims('config', 'update', 'mem', '--token-env', 'UNSET_VARIABLE')).code).toBe(2);
    expect(readFileSync(join(home, 'state.json'), 'utf8')).toBe(before);
    expect(secrets().mem).toEqual({ token: 'rotated-secret' });
  });
});
