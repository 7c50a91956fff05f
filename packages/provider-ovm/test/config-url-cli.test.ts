/**
 * `--manager-url` never carries credentials into state.json: a URL with a password is refused
 * without echoing it (the password goes in --password-env), and one with a user name too (the user
 * goes in --username).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertProviderBuilt } from '../../core/test/cli/provider-build.js';
import { runIms, tempHome } from '../../core/test/cli/run-ims.js';

const SECRET = 'Manager-S3cret-Pw';

beforeAll(() => assertProviderBuilt(resolve(import.meta.dirname, '..')));

function createWith(managerUrl: string) {
  const home = tempHome();
  const run = runIms(
    [
      ...['config', 'create', 'ovm1', '--provider', 'ovm', '--manager-url', managerUrl],
      ...['--username', 'admin', '--password-env', 'OVM_PASSWORD', '--server-pool', 'pool1'],
    ],
    { IMS_HOME: home, OVM_PASSWORD: 'given-the-right-way' },
  );
  return { home, run };
}

describe('ims config create --provider ovm --manager-url', () => {
  it('refuses a URL with a password (exit 2), pointing at --password-env and never echoing it', async () => {
    const { home, run } = createWith(`https://admin:${SECRET}@127.0.0.1:8888/`);
    const result = await run;
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--manager-url');
    expect(result.stderr).toContain('--password-env VAR');
    expect(result.stdout + result.stderr).not.toContain(SECRET);
    const state = join(home, 'state.json');
    expect(existsSync(state) ? readFileSync(state, 'utf8') : '').not.toContain(SECRET);
  });

  it('refuses a URL with a user name, which belongs in --username', async () => {
    const result = await createWith('https://admin@127.0.0.1:8888/').run;
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--manager-url');
  });

  it('accepts a URL without credentials', async () => {
    const { home, run } = createWith('https://127.0.0.1:8888/');
    const result = await run;
    expect(result.code, result.stderr).toBe(0);
    expect(readFileSync(join(home, 'state.json'), 'utf8')).toContain(
      '"managerUrl": "https://127.0.0.1:8888/"',
    );
  });
});
