/**
 * Stored options are validated when written and again only when the provider's config schema
 * changed since: the configuration remembers the schema's fingerprint.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, FIXTURE_PLUGINS, runIms, tempHome } from './run-ims.js';

beforeAll(assertBuilt);

interface StateFile {
  configs: Record<string, { options: Record<string, unknown>; schemaDigest?: string }>;
}

describe('validation of stored provider options', () => {
  const home = tempHome();
  const env = { IMS_HOME: home, IMS_PLUGIN_PATH: FIXTURE_PLUGINS };
  const ims = (...words: string[]) => runIms(words, env);
  const statePath = join(home, 'state.json');
  const editState = (edit: (state: StateFile) => void) => {
    const state = JSON.parse(readFileSync(statePath, 'utf8')) as StateFile;
    edit(state);
    writeFileSync(statePath, JSON.stringify(state));
  };

  it('records the schema fingerprint, and checks the options again once the schema differs', async () => {
    expect((await ims('config', 'create', 'mem', '--provider', 'memory')).code).toBe(0);
    const created = JSON.parse(readFileSync(statePath, 'utf8')) as StateFile;
    expect(created.configs.mem?.schemaDigest).toMatch(/^[0-9a-f]{16}$/);
    expect((await ims('vm', 'list', '--config', 'mem')).code).toBe(0);

    // Options the schema refuses, written under a fingerprint of another schema: checked, refused.
    editState((state) => {
      const mem = state.configs.mem;
      if (mem === undefined) throw new Error('config mem missing from state.json');
      mem.options.persist = 'yes please';
      mem.schemaDigest = '0000000000000000';
    });
    const refused = await ims('vm', 'list', '--config', 'mem');
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('Invalid options for the memory provider');

    // Same options without any fingerprint (state written by an older IMS): checked too.
    editState((state) => {
      if (state.configs.mem !== undefined) delete state.configs.mem.schemaDigest;
    });
    expect((await ims('vm', 'list', '--config', 'mem')).code).toBe(2);
  });

  it('stores options that pass under a changed schema with its fingerprint, checking them once', async () => {
    expect((await ims('config', 'create', 'mem2', '--provider', 'memory', '--boot-delay-ms', '5')).code).toBe(
      0,
    );
    const digest = (JSON.parse(readFileSync(statePath, 'utf8')) as StateFile).configs.mem2?.schemaDigest;
    editState((state) => {
      if (state.configs.mem2 !== undefined) state.configs.mem2.schemaDigest = '0000000000000000';
    });
    expect((await ims('vm', 'list', '--config', 'mem2')).code).toBe(0);
    const after = JSON.parse(readFileSync(statePath, 'utf8')) as StateFile;
    expect(after.configs.mem2?.schemaDigest).toBe(digest);
    expect(after.configs.mem2?.options).toEqual({ bootDelayMs: 5 });

    // From then on the stored options are trusted again: a value the schema would refuse, written
    // under the current fingerprint, goes unchecked (the provider sees it).
    editState((state) => {
      if (state.configs.mem2 !== undefined) state.configs.mem2.options.persist = 'yes please';
    });
    const unchecked = await ims('vm', 'list', '--config', 'mem2');
    expect(unchecked.stderr).not.toContain('Invalid options for the memory provider');
  });
});
