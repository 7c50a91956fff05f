import { describe, expect, it } from 'vitest';
import { stateV2Problem } from './check-state.js';
import {
  loadStateDocument,
  MIGRATIONS,
  migrateV0ToV1,
  migrateV1ToV2,
  type StateV0,
  type StateV1,
} from './migrations.js';
import { CURRENT_STATE_VERSION, emptyState, type StateV2 } from './model.js';
import { legacySecretsId } from './secrets-document.js';

const PATH = '/home/u/.ims/state.json';
const NOW = new Date('2024-05-06T07:08:09.000Z');

function load(doc: unknown, findBackup?: () => string | undefined) {
  const text = typeof doc === 'string' ? doc : JSON.stringify(doc);
  return loadStateDocument(text, { path: PATH, now: () => NOW, ...(findBackup ? { findBackup } : {}) });
}

function thrown(action: () => unknown): { code: string; message: string; hint: string | undefined } {
  try {
    action();
  } catch (error) {
    return error as { code: string; message: string; hint: string | undefined };
  }
  throw new Error('expected an error');
}

const v0: StateV0 = {
  configs: [
    { name: 'lab', provider: 'libvirt', options: { uri: 'qemu:///system' } },
    { name: 'ovm1', provider: 'ovm', options: { host: 'ovm.example', port: 7002 } },
  ],
  vms: [
    {
      name: 'web1',
      config: 'lab',
      template: 'ol9',
      cpus: 2,
      memoryMiB: 2048,
      nics: [{ mac: '52:54:00:aa:bb:cc', address: { address: '10.0.0.5', prefix: 24 }, gateway: '10.0.0.1' }],
      dns: ['10.0.0.1'],
      sshKeys: ['ssh-ed25519 AAAA key'],
      params: { role: 'web' },
    },
  ],
};

const v1: StateV1 = {
  version: 1,
  configs: {
    lab: {
      name: 'lab',
      provider: 'libvirt',
      options: {},
      createdAt: '2024-01-01T00:00:00.000Z',
      templates: { ol9: { name: 'ol9', importedAt: '2024-01-02T00:00:00.000Z', sizeBytes: 10, os: 'ol9' } },
    },
  },
  vms: {},
};

const v2: StateV2 = {
  version: 2,
  configs: { lab: { ...v1.configs.lab!, secretsId: '0123456789abcdef0123456789abcdef' } },
  vms: {},
  pending: {},
};

describe('state migrations', () => {
  it('lists one migration per older version, in order', () => {
    expect(MIGRATIONS).toHaveLength(CURRENT_STATE_VERSION);
    expect(MIGRATIONS.map((migration) => migration.from)).toEqual([...MIGRATIONS.keys()]);
  });

  it('migrates a version-0 document (no version field) to version 2', () => {
    const loaded = load(v0);
    expect(loaded.diskVersion).toBe(0);
    expect(loaded.state).toEqual({
      version: 2,
      pending: {},
      configs: {
        lab: {
          name: 'lab',
          provider: 'libvirt',
          secretsId: legacySecretsId('lab'),
          options: { uri: 'qemu:///system' },
          createdAt: NOW.toISOString(),
          templates: {},
        },
        ovm1: {
          name: 'ovm1',
          provider: 'ovm',
          secretsId: legacySecretsId('ovm1'),
          options: { host: 'ovm.example', port: 7002 },
          createdAt: NOW.toISOString(),
          templates: {},
        },
      },
      vms: { web1: { ...v0.vms[0], createdAt: NOW.toISOString() } },
    });
    expect(stateV2Problem(loaded.state)).toBeUndefined();
  });

  it('treats an explicit version 0 like a missing one', () => {
    expect(load({ version: 0, configs: [], vms: [] })).toEqual({ state: emptyState(), diskVersion: 0 });
  });

  it('does not mutate the version-0 input', () => {
    const input = structuredClone(v0);
    const output = migrateV0ToV1(input, { now: NOW.toISOString() });
    expect(input).toEqual(v0);
    output.configs.lab!.options.uri = 'changed';
    expect(input.configs[0]!.options.uri).toBe('qemu:///system');
  });

  it('migrates a version-1 document to version 2: secrets ids derived from the names secrets.json used', () => {
    const loaded = load(v1);
    expect(loaded.diskVersion).toBe(1);
    expect(loaded.state).toEqual({
      version: 2,
      configs: { lab: { ...v1.configs.lab, secretsId: 'v1:lab' } },
      vms: {},
      pending: {},
    });
    const input = structuredClone(v1);
    migrateV1ToV2(input).configs.lab!.options.changed = true;
    expect(input).toEqual(v1);
  });

  it('turns a version-1 VM record with an empty MAC (a create that never finished) into a journal entry without a process', () => {
    const half = {
      name: 'web2',
      config: 'lab',
      template: 'ol9',
      cpus: 1,
      memoryMiB: 512,
      nics: [{ mac: '', address: 'dhcp' as const }],
      dns: [],
      sshKeys: [],
      params: {},
      createdAt: '2024-01-03T00:00:00.000Z',
    };
    const whole = { ...half, name: 'web1', nics: [{ mac: '52:54:00:aa:bb:cc', address: 'dhcp' as const }] };
    const { state } = load({ ...v1, vms: { web1: whole, web2: half } });
    expect(state.vms).toEqual({ web1: whole });
    expect(state.pending).toEqual({
      'vm-create:web2': {
        id: 'vm-create:web2',
        kind: 'vm-create',
        config: 'lab',
        name: 'web2',
        template: 'ol9',
        pid: 0,
        hostname: '',
        token: 'state-version-1',
        startedAt: '2024-01-03T00:00:00.000Z',
      },
    });
  });

  it('loads a valid version-2 document unchanged', () => {
    expect(load(v2)).toEqual({ state: v2, diskVersion: 2 });
  });

  it('loads a version-2 document with journal entries unchanged', () => {
    const withJournal: StateV2 = {
      ...structuredClone(v2),
      pending: {
        'vm-create:web2': {
          id: 'vm-create:web2',
          kind: 'vm-create',
          config: 'lab',
          name: 'web2',
          template: 'ol9',
          pid: 4242,
          hostname: 'h',
          token: '4242-x',
          startedAt: '2024-01-03T00:00:00.000Z',
        },
      },
    };
    expect(load(withJournal)).toEqual({ state: withJournal, diskVersion: 2 });
  });

  it.each([
    [
      'a journal entry under another key',
      { 'vm-create:a': { id: 'vm-create:b' } },
      'pending["vm-create:a"].id must be',
    ],
    [
      'an unknown kind',
      {
        x: {
          id: 'x',
          kind: 'vm-teleport',
          config: 'c',
          name: 'n',
          hostname: 'h',
          token: 't',
          startedAt: 's',
          pid: 1,
        },
      },
      'pending.x.kind must be one of vm-create, template-import',
    ],
    [
      'a pid that is not a number',
      {
        x: {
          id: 'x',
          kind: 'vm-create',
          config: 'c',
          name: 'n',
          hostname: 'h',
          token: 't',
          startedAt: 's',
          pid: '1',
        },
      },
      'pending.x.pid must be a number',
    ],
  ])('refuses a version-2 document with %s', (_, pending, message) => {
    const error = thrown(() => load({ version: 2, configs: {}, vms: {}, pending }));
    expect(error.code).toBe('IMS_STATE_CORRUPT');
    expect(error.message).toContain(message);
  });

  it('refuses a newer version with IMS_STATE_TOO_NEW', () => {
    const error = thrown(() => load({ version: 7, whatever: true }));
    expect(error.code).toBe('IMS_STATE_TOO_NEW');
    expect(error.message).toBe(
      `state.json at ${PATH} was written by a newer IMS (state version 7; this IMS reads up to 2).`,
    );
    expect(error.hint).toMatch(/upgrade IMS/i);
    expect(error.hint).toContain('IMS_HOME');
  });

  it('reports unparsable JSON as IMS_STATE_CORRUPT naming the file and the parser error', () => {
    const text = '{"version": 1, "configs": {';
    const parserMessage = (thrown(() => JSON.parse(text)) as unknown as Error).message;
    const error = thrown(() => load(text));
    expect(error.code).toBe('IMS_STATE_CORRUPT');
    expect(error.message).toContain(PATH);
    expect(error.message).toContain(parserMessage);
    expect(error.hint).not.toContain('.bak');
  });

  it('points at the backup in the hint when one exists', () => {
    const error = thrown(() => load('not json', () => `${PATH}.bak`));
    expect(error.code).toBe('IMS_STATE_CORRUPT');
    expect(error.hint).toContain(`${PATH}.bak`);
  });

  it.each([
    ['a top-level array', [], 'not a JSON object'],
    ['a string version', { version: '1', configs: {}, vms: {} }, '"version"'],
    ['a fractional version', { version: 0.5, configs: {}, vms: {} }, '"version"'],
    [
      'a v1 config with a numeric provider',
      { ...v1, configs: { lab: { ...v1.configs.lab, provider: 3 } } },
      'configs.lab.provider must be a string',
    ],
    [
      'a v1 config stored under another name',
      { ...v1, configs: { other: v1.configs.lab } },
      'configs.other.name must be "other"',
    ],
    ['a v1 document with array configs', { version: 1, configs: [], vms: {} }, 'configs must be an object'],
    [
      'a v1 template without importedAt',
      { ...v1, configs: { lab: { ...v1.configs.lab, templates: { t: { name: 't' } } } } },
      'configs.lab.templates.t.importedAt',
    ],
    [
      'a v2 config without a secrets id',
      { ...v2, configs: { lab: { ...v1.configs.lab } } },
      'configs.lab.secretsId must be a string',
    ],
    [
      'two v2 configs sharing a secrets id',
      { ...v2, configs: { ...v2.configs, b: { ...v2.configs.lab, name: 'b' } } },
      'configs.b.secretsId must be a unique, non-empty id',
    ],
    [
      'a v0 document with map configs',
      { configs: {}, vms: [] },
      'configs must be an array (state version 0)',
    ],
    [
      'a v0 document with a duplicate config',
      { configs: [v0.configs[0], v0.configs[0]], vms: [] },
      'appears twice',
    ],
    [
      'a v0 VM with a bad NIC address',
      { configs: [], vms: [{ ...v0.vms[0], nics: [{ mac: 'm', address: 'static' }] }] },
      'vms[0].nics[0].address must be "dhcp" or an object',
    ],
  ])('reports %s as IMS_STATE_CORRUPT', (_label, doc, expected) => {
    const error = thrown(() => load(doc));
    expect(error.code).toBe('IMS_STATE_CORRUPT');
    expect(error.message).toContain(expected);
    expect(error.message).toContain(PATH);
  });
});
