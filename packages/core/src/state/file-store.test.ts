import { existsSync } from 'node:fs';
import { chmod, chown, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { imsRejection } from '../../test/rejection.js';
import { deadPid, makeTempDir, modeOf, removeTempDirs } from '../../test/state/helpers.js';
import { createFileStateStore, resolveImsHome } from './file-store.js';
import type { ConfigRecord, StateV2 } from './model.js';
import { legacySecretsId, serializeSecrets } from './secrets-document.js';

afterEach(removeTempDirs);

const NOW = new Date('2024-05-06T07:08:09.000Z');

function config(name: string, options: Record<string, unknown> = {}, secretsId = `id-${name}`): ConfigRecord {
  return { name, provider: 'libvirt', secretsId, options, createdAt: NOW.toISOString(), templates: {} };
}

async function readState(home: string): Promise<StateV2> {
  return JSON.parse(await readFile(join(home, 'state.json'), 'utf8')) as StateV2;
}

/** The raw secrets.json document. */
async function readSecretsFile(home: string): Promise<{ version: number; entries: Record<string, unknown> }> {
  return JSON.parse(await readFile(join(home, 'secrets.json'), 'utf8'));
}

describe('resolveImsHome', () => {
  it('uses IMS_HOME when set, resolved to an absolute path', () => {
    expect(resolveImsHome({ IMS_HOME: '/srv/ims' })).toBe('/srv/ims');
    expect(resolveImsHome({ IMS_HOME: 'rel/ims' })).toBe(resolve('rel/ims'));
    expect(resolveImsHome({ IMS_HOME: '~/x', HOME: '/home/u' })).toBe('/home/u/x');
  });

  it('falls back to ~/.ims when IMS_HOME is unset or blank', () => {
    expect(resolveImsHome({ HOME: '/home/u' })).toBe('/home/u/.ims');
    expect(resolveImsHome({ HOME: '/home/u', IMS_HOME: '  ' })).toBe('/home/u/.ims');
  });
});

describe('file state store', () => {
  it('reads an empty state without creating anything', async () => {
    const home = join(await makeTempDir(), 'ims');
    const store = createFileStateStore(home);
    expect(await store.read()).toEqual({ version: 2, configs: {}, vms: {}, pending: {} });
    expect(await store.readSecrets({ name: 'lab', secretsId: 'lab' })).toEqual({});
    expect(existsSync(home)).toBe(false);
  });

  it('creates IMS_HOME with mode 0700 on the first update and returns what fn returns', async () => {
    const home = join(await makeTempDir(), 'nested', 'ims');
    const store = createFileStateStore(home);
    const result = await store.update((draft) => {
      draft.configs.lab = config('lab');
      return 'added';
    });
    expect(result).toBe('added');
    expect(await modeOf(home)).toBe(0o700);
    expect(await readState(home)).toEqual({
      version: 2,
      configs: { lab: config('lab') },
      vms: {},
      pending: {},
    });
    expect((await store.read()).configs.lab).toEqual(config('lab'));
    expect((await readdir(home)).sort()).toEqual(['state.json']);
  });

  it('keeps the previous good version in state.json.bak', async () => {
    const home = await makeTempDir();
    const store = createFileStateStore(home);
    await store.update((draft) => {
      draft.configs.a = config('a');
    });
    const first = await readFile(join(home, 'state.json'), 'utf8');
    await store.update((draft) => {
      draft.configs.b = config('b');
    });
    expect(await readFile(join(home, 'state.json.bak'), 'utf8')).toBe(first);
    expect(Object.keys((await store.read()).configs).sort()).toEqual(['a', 'b']);
  });

  it('parses the file once while it is unchanged, sees every write, and hands out a frozen state', async () => {
    const home = await makeTempDir();
    const store = createFileStateStore(home);
    const other = createFileStateStore(home); // another process, as far as files go
    await store.update((draft) => {
      draft.configs.a = config('a');
    });
    const first = await store.read();
    expect(await store.read()).toBe(first);
    expect(Object.isFrozen(first.configs.a?.options)).toBe(true);
    expect(() => {
      (first.configs as Record<string, ConfigRecord>).b = config('b');
    }).toThrow(TypeError);

    await other.update((draft) => {
      draft.configs.b = config('b');
    });
    const second = await store.read();
    expect(second).not.toBe(first);
    expect(Object.keys(second.configs).sort()).toEqual(['a', 'b']);
    // Same size, same second: a rewrite by hand is seen too (the file's identity and times change).
    const text = await readFile(join(home, 'state.json'), 'utf8');
    await writeFile(join(home, 'state.json'), text.replace('"b"', '"c"').replace('"b"', '"c"'));
    expect(Object.keys((await store.read()).configs).sort()).toEqual(['a', 'c']);
  });

  it('writes nothing when fn throws, and releases the lock', async () => {
    const home = await makeTempDir();
    const store = createFileStateStore(home, { lockTimeoutMs: 500 });
    await store.update((draft) => {
      draft.configs.a = config('a');
    });
    const before = await readFile(join(home, 'state.json'), 'utf8');
    await expect(
      store.update((draft) => {
        draft.configs.b = config('b');
        throw new Error('changed my mind');
      }),
    ).rejects.toThrow('changed my mind');
    expect(await readFile(join(home, 'state.json'), 'utf8')).toBe(before);
    expect(existsSync(join(home, 'state.json.bak'))).toBe(false);
    expect(existsSync(join(home, 'state.lock'))).toBe(false);
    await store.update((draft) => {
      draft.configs.c = config('c');
    });
    expect(Object.keys((await store.read()).configs).sort()).toEqual(['a', 'c']);
  });

  it('refuses to save a document fn broke, with IMS_INTERNAL', async () => {
    const home = await makeTempDir();
    const store = createFileStateStore(home);
    const error = await imsRejection(
      store.update((draft) => {
        draft.configs.a = { ...config('a'), name: 'not-a' };
      }),
    );
    expect(error.code).toBe('IMS_INTERNAL');
    expect(error.message).toContain('configs.a.name');
    expect(existsSync(join(home, 'state.json'))).toBe(false);
  });

  it('migrates a version-0 file on load and saves it as version 2 on the next update', async () => {
    const home = await makeTempDir();
    const v0 = `${JSON.stringify({ configs: [{ name: 'lab', provider: 'libvirt', options: { uri: 'qemu:///system' } }], vms: [] })}\n`;
    await writeFile(join(home, 'state.json'), v0);
    const store = createFileStateStore(home, { now: () => NOW });
    expect(await store.read()).toEqual({
      version: 2,
      configs: { lab: config('lab', { uri: 'qemu:///system' }, legacySecretsId('lab')) },
      vms: {},
      pending: {},
    });
    expect(await readFile(join(home, 'state.json'), 'utf8')).toBe(v0);
    await store.update(() => undefined);
    expect((await readState(home)).version).toBe(2);
    expect(await readFile(join(home, 'state.json.bak'), 'utf8')).toBe(v0);
  });

  it('refuses a state.json from a newer IMS and leaves it untouched', async () => {
    const home = await makeTempDir();
    const path = join(home, 'state.json');
    const future = JSON.stringify({ version: 3, configs: {}, vms: {}, quotas: {} });
    await writeFile(path, future);
    const before = await stat(path);
    const store = createFileStateStore(home);

    for (const attempt of [store.read(), store.update(() => 'never')]) {
      const error = await imsRejection(attempt);
      expect(error.code).toBe('IMS_STATE_TOO_NEW');
      expect(error.message).toBe(
        `state.json at ${path} was written by a newer IMS (state version 3; this IMS reads up to 2).`,
      );
      expect(error.hint).toContain('IMS_HOME');
    }
    expect(await readFile(path, 'utf8')).toBe(future);
    expect((await stat(path)).mtimeMs).toBe(before.mtimeMs);
    expect((await readdir(home)).sort()).toEqual(['state.json']);
  });

  it('reports a corrupt state.json with IMS_STATE_CORRUPT and points at the backup', async () => {
    const home = await makeTempDir();
    const store = createFileStateStore(home);
    await store.update((draft) => {
      draft.configs.a = config('a');
    });
    await store.update((draft) => {
      draft.configs.b = config('b');
    });
    await writeFile(join(home, 'state.json'), '{"version": 1, "configs": {"a": ');
    const error = await imsRejection(store.update(() => undefined));
    expect(error.code).toBe('IMS_STATE_CORRUPT');
    expect(error.message).toContain(join(home, 'state.json'));
    expect(error.message).toMatch(/not valid JSON \(.+\)/);
    expect(error.hint).toContain(join(home, 'state.json.bak'));
    expect(await readFile(join(home, 'state.json'), 'utf8')).toBe('{"version": 1, "configs": {"a": ');
  });

  it('fails with IMS_STATE_LOCKED when another holder keeps the lock past the deadline', async () => {
    const home = await makeTempDir();
    const holder = createFileStateStore(home);
    const impatient = createFileStateStore(home, { lockTimeoutMs: 200 });
    const error = await holder.update(async (draft) => {
      draft.configs.held = config('held');
      return imsRejection(impatient.update(() => 'never'));
    });
    expect(error.code).toBe('IMS_STATE_LOCKED');
    expect(error.message).toContain(`process ${process.pid}`);
    expect(error.hint).toContain(join(home, 'state.lock'));
    expect(Object.keys((await holder.read()).configs)).toEqual(['held']);
  });

  it('reports file system failures as IMS_IO_FAILED', async () => {
    const home = join(await makeTempDir(), 'not-a-dir');
    await writeFile(home, 'a file where IMS_HOME should be');
    const store = createFileStateStore(home);
    await expect(store.read()).rejects.toMatchObject({ code: 'IMS_IO_FAILED', details: { code: 'ENOTDIR' } });
    await expect(store.update(() => undefined)).rejects.toMatchObject({
      code: 'IMS_IO_FAILED',
      message: expect.stringContaining(home),
    });
  });

  it('cleans temp files of dead writers on the next write', async () => {
    const home = await makeTempDir();
    const store = createFileStateStore(home);
    await store.update((draft) => {
      draft.configs.a = config('a');
    });
    const stray = join(home, `state.json.${await deadPid()}.x1y2z3.tmp`);
    await writeFile(stray, '{"version": 1, "conf');
    await store.update((draft) => {
      draft.configs.b = config('b');
    });
    expect(existsSync(stray)).toBe(false);
    expect((await readdir(home)).sort()).toEqual(['state.json', 'state.json.bak']);
  });
});

describe('secrets', () => {
  /** Adds a configuration named `name` with `secrets`; resolves to its record. */
  async function addConfig(
    store: ReturnType<typeof createFileStateStore>,
    name: string,
    secrets: Record<string, string>,
  ): Promise<ConfigRecord> {
    return store.update((draft, stored) => {
      draft.configs[name] = config(name, {}, stored.add(secrets));
      return draft.configs[name];
    });
  }

  it('creates secrets.json with mode 0600 even under a permissive umask, and keeps it 0600 on rewrite', async () => {
    const home = await makeTempDir();
    const store = createFileStateStore(home);
    const path = join(home, 'secrets.json');
    const previous = process.umask(0o000);
    let lab: ConfigRecord;
    let ovm: ConfigRecord;
    try {
      lab = await addConfig(store, 'lab', { password: 'hunter2', passphrase: 'open sesame' });
      expect(await modeOf(path)).toBe(0o600);
      ovm = await addConfig(store, 'ovm', { password: 'pw' });
      expect(await modeOf(path)).toBe(0o600);
    } finally {
      process.umask(previous);
    }
    expect(lab.secretsId).toMatch(/^[0-9a-f]{32}$/);
    expect(await store.readSecrets(lab)).toEqual({ password: 'hunter2', passphrase: 'open sesame' });
    expect(await store.readSecrets(ovm)).toEqual({ password: 'pw' });
    expect(await store.readSecrets({ name: 'unknown', secretsId: 'none' })).toEqual({});
    // Not even a name on Object.prototype reads as an entry.
    expect(await store.readSecrets({ name: 'unknown', secretsId: 'constructor' })).toEqual({});
  });

  it('returns a copy that does not change the stored secrets', async () => {
    const home = await makeTempDir();
    const store = createFileStateStore(home);
    const lab = await addConfig(store, 'lab', { password: 'a' });
    const copy = await store.readSecrets(lab);
    copy.password = 'b';
    expect(await store.readSecrets(lab)).toEqual({ password: 'a' });
  });

  it('gives a configuration without secrets an id but writes no secrets.json', async () => {
    const home = await makeTempDir();
    const store = createFileStateStore(home);
    const lab = await addConfig(store, 'lab', {});
    expect(lab.secretsId).toMatch(/^[0-9a-f]{32}$/);
    expect(existsSync(join(home, 'secrets.json'))).toBe(false);
  });

  it('never hands a re-created configuration the secrets of the one deleted before it', async () => {
    const home = await makeTempDir();
    const store = createFileStateStore(home);
    const old = await addConfig(store, 'lab', { password: 'old-password' });
    await store.update((draft) => {
      delete draft.configs.lab;
    });
    // The deleting update itself removed the entry.
    expect(JSON.stringify(await readSecretsFile(home))).not.toContain('old-password');
    const again = await addConfig(store, 'lab', {});
    expect(again.secretsId).not.toBe(old.secretsId);
    expect(await store.readSecrets(again)).toEqual({});
  });

  it('never reads, and removes on the next update, entries no configuration names', async () => {
    const home = await makeTempDir();
    const store = createFileStateStore(home);
    const lab = await addConfig(store, 'lab', { password: 'kept' });
    // What a process killed between its writes leaves: an entry the state does not name.
    const entries = { [lab.secretsId]: { password: 'kept' }, deadbeef: { password: 'orphan' } };
    await writeFile(join(home, 'secrets.json'), serializeSecrets(entries), { mode: 0o600 });
    await store.update(() => undefined);
    expect((await readSecretsFile(home)).entries).toEqual({ [lab.secretsId]: { password: 'kept' } });
  });

  it('saves neither the state nor the secrets when the update throws', async () => {
    const home = await makeTempDir();
    const store = createFileStateStore(home);
    await expect(
      store.update((draft, stored) => {
        draft.configs.lab = config('lab', {}, stored.add({ password: 'never-saved' }));
        throw new Error('changed my mind');
      }),
    ).rejects.toThrow('changed my mind');
    expect(await readdir(home)).toEqual([]);
  });

  it('gives a changed secret a new entry and drops the old one in the same update', async () => {
    const home = await makeTempDir();
    const store = createFileStateStore(home);
    const lab = await addConfig(store, 'lab', { password: 'first' });
    const updated = await store.update((draft, stored) => {
      const record = draft.configs.lab as ConfigRecord;
      expect(stored.get(record.secretsId)).toEqual({ password: 'first' });
      record.secretsId = stored.add({ password: 'second' });
      return record;
    });
    expect(updated.secretsId).not.toBe(lab.secretsId);
    expect((await readSecretsFile(home)).entries).toEqual({ [updated.secretsId]: { password: 'second' } });
  });

  it('reads the current secrets for a record read before an update replaced them', async () => {
    const home = await makeTempDir();
    const store = createFileStateStore(home);
    const stale = await addConfig(store, 'lab', { password: 'first' });
    await store.update((draft, stored) => {
      (draft.configs.lab as ConfigRecord).secretsId = stored.add({ password: 'second' });
    });
    expect(await store.readSecrets(stale)).toEqual({ password: 'second' });
    // Gone meanwhile: no secrets, and certainly not someone else's.
    await store.update((draft) => {
      delete draft.configs.lab;
    });
    expect(await store.readSecrets(stale)).toEqual({});
  });

  it('reads version-1 files (secrets keyed by name) and rewrites both as version 2, secrets kept', async () => {
    const home = await makeTempDir();
    const { secretsId: _omitted, ...v1Config } = config('lab');
    await writeFile(
      join(home, 'state.json'),
      JSON.stringify({ version: 1, configs: { lab: v1Config }, vms: {} }),
    );
    await writeFile(
      join(home, 'secrets.json'),
      JSON.stringify({ version: 1, configs: { lab: { password: 'pw' }, gone: { password: 'orphan' } } }),
      { mode: 0o600 },
    );
    const store = createFileStateStore(home);
    const lab = (await store.read()).configs.lab as ConfigRecord;
    expect(lab.secretsId).toBe(legacySecretsId('lab'));
    expect(await store.readSecrets(lab)).toEqual({ password: 'pw' });
    await store.update(() => undefined);
    expect((await readState(home)).configs.lab?.secretsId).toBe(legacySecretsId('lab'));
    expect(await readSecretsFile(home)).toEqual({
      version: 2,
      entries: { [legacySecretsId('lab')]: { password: 'pw' } },
    });
  });

  it('narrows a pre-existing 0644 secrets.json to 0600 on read and on update', async () => {
    const home = await makeTempDir();
    const store = createFileStateStore(home);
    const lab = await addConfig(store, 'lab', { password: 'x' });
    const path = join(home, 'secrets.json');
    await chmod(path, 0o644);
    expect(await store.readSecrets(lab)).toEqual({ password: 'x' });
    expect(await modeOf(path)).toBe(0o600);

    await chmod(path, 0o644);
    const before = await stat(path);
    await store.update(() => undefined);
    expect(await modeOf(path)).toBe(0o600);
    expect((await stat(path)).ino).toBe(before.ino);
  });

  it('reports a corrupt secrets.json without quoting its content', async () => {
    const home = await makeTempDir();
    const store = createFileStateStore(home);
    await writeFile(join(home, 'secrets.json'), '{"version":2,"entries":{"lab":{"password":"hunter2" x}}}', {
      mode: 0o600,
    });
    const error = await imsRejection(store.readSecrets({ name: 'lab', secretsId: 'lab' }));
    expect(error.code).toBe('IMS_STATE_CORRUPT');
    expect(error.message).toContain(join(home, 'secrets.json'));
    expect(
      JSON.stringify({ message: error.message, hint: error.hint, details: error.details }),
    ).not.toContain('hunter2');
    expect(error.cause).toBeUndefined();
  });

  it('rejects a secret value that is not a string, naming the key but not the value', async () => {
    const home = await makeTempDir();
    const store = createFileStateStore(home);
    const error = await imsRejection(
      store.update((draft, stored) => {
        draft.configs.lab = config('lab', {}, stored.add({ password: 12345678 as unknown as string }));
      }),
    );
    expect(error.code).toBe('IMS_INTERNAL');
    expect(error.message).toContain('password');
    expect(error.message).not.toContain('12345678');
    expect(existsSync(join(home, 'secrets.json'))).toBe(false);
  });
});

describe('an IMS home others can change', () => {
  it.each([
    ['777', 0o777, 'every user', 'chmod 700'],
    ['770', 0o770, 'its group', 'chmod 700'],
  ])('is refused with mode %s, reading and writing, changing nothing', async (_label, mode, who, fix) => {
    const home = await makeTempDir();
    await writeFile(
      join(home, 'state.json'),
      `${JSON.stringify({ version: 2, configs: {}, vms: {}, pending: {} })}\n`,
    );
    await chmod(home, mode);
    const store = createFileStateStore(home);
    const attempts = [
      () => store.read(),
      () => store.update(() => 'never'),
      () => store.readSecrets({ name: 'lab', secretsId: 'x' }),
    ];
    for (const attempt of attempts) {
      const error = await imsRejection(attempt());
      expect(error.code).toBe('IMS_IO_FAILED');
      expect(error.message).toContain(home);
      expect(error.message).toContain(who);
      expect(error.hint).toContain(`${fix} ${home}`);
    }
    expect((await readdir(home)).sort()).toEqual(['state.json']);
  });

  it('is refused when it belongs to another user', async () => {
    const uid = process.getuid?.();
    if (uid !== 0) throw new Error('this test changes a directory owner: it must run as root');
    const home = await makeTempDir();
    await chown(home, 65534, 65534);
    const error = await imsRejection(createFileStateStore(home).read());
    expect(error.code).toBe('IMS_IO_FAILED');
    expect(error.message).toContain('belongs to uid 65534');
    expect(error.hint).toContain(`chown 0 ${home}`);
  });

  it('is accepted when private (0700 or 0755)', async () => {
    const home = await makeTempDir();
    await chmod(home, 0o755);
    expect(await createFileStateStore(home).read()).toEqual({
      version: 2,
      configs: {},
      vms: {},
      pending: {},
    });
  });
});

describe('a corrupt secrets.json', () => {
  it('fails no state update that adds no secrets, and is reported when secrets are read or added', async () => {
    const home = await makeTempDir();
    const store = createFileStateStore(home);
    await writeFile(join(home, 'secrets.json'), '{"version":2,"entries":', { mode: 0o600 });
    await store.update((draft) => {
      draft.configs.plain = config('plain');
    });
    expect((await store.read()).configs.plain).toEqual(config('plain'));
    expect((await imsRejection(store.readSecrets({ name: 'lab', secretsId: 'id-plain' }))).code).toBe(
      'IMS_STATE_CORRUPT',
    );
    const adding = store.update((draft, secrets) => {
      draft.configs.lab = config('lab', {}, secrets.add({ password: 'pw' }));
    });
    expect((await imsRejection(adding)).code).toBe('IMS_STATE_CORRUPT');
    expect((await store.read()).configs.lab).toBeUndefined();
  });
});
