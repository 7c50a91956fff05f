import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, FIXTURE_PLUGINS, runIms, tempHome } from './run-ims.js';

beforeAll(assertBuilt);

/** A template tarball made with the real tar: template.json plus a disk file. */
function makeTemplateTgz(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'ims-tpl-'));
  const tree = join(dir, 'tree');
  mkdirSync(tree);
  writeFileSync(join(tree, 'System.img'), Buffer.alloc(64 * 1024, 7));
  writeFileSync(
    join(tree, 'template.json'),
    JSON.stringify({
      name,
      os: 'busybox',
      disks: [{ file: 'System.img', role: 'system', format: 'raw', sizeBytes: 65536 }],
    }),
  );
  const tgz = join(dir, `${name}.tgz`);
  execFileSync('tar', ['czf', tgz, '-C', tree, '.']);
  return tgz;
}

describe('a VM lifecycle through the CLI, on the memory fixture provider', () => {
  const home = tempHome();
  const env = { IMS_HOME: home, IMS_PLUGIN_PATH: FIXTURE_PLUGINS, MEM_TOKEN: 's3cr3t-value-never-shown' };
  const ims = (...words: string[]) => runIms(words, env);
  const json = async <T>(...words: string[]): Promise<T> => {
    const run = await ims(...words, '--json');
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    return JSON.parse(run.stdout) as T;
  };

  it('creates a configuration with a secret kept out of state.json and never shown', async () => {
    const created = await ims(
      'config',
      'create',
      'mem',
      '--provider',
      'memory',
      '--persist',
      '--token-env',
      'MEM_TOKEN',
    );
    expect(created.code).toBe(0);
    const shown = await json<{ options: Record<string, unknown> }>('config', 'show', 'mem');
    expect(shown.options).toEqual({ persist: true, token: '***' });
    expect(readFileSync(join(home, 'state.json'), 'utf8')).not.toContain('s3cr3t');
    expect(readFileSync(join(home, 'secrets.json'), 'utf8')).toContain('s3cr3t-value-never-shown');
    expect(statSync(join(home, 'secrets.json')).mode & 0o777).toBe(0o600);
    const human = await ims('config', 'show', 'mem');
    expect(human.stdout).not.toContain('s3cr3t');
    expect(human.stdout).toContain('token: ***');
    const tested = await json<{ hypervisor: string; version: string }>('config', 'test', 'mem');
    expect(tested).toMatchObject({ hypervisor: 'memory', version: '1.0.0' });
  });

  it('refuses invalid provider options with exit 2, naming the flag', async () => {
    const run = await ims('config', 'create', 'bad', '--provider', 'memory', '--boot-delay-ms', '-5');
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--boot-delay-ms');
    const unknown = await ims('config', 'create', 'bad', '--provider', 'memory', '--persits');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('Did you mean --persist?');
    const help = await ims('config', 'create', 'x', '--provider', 'memory', '--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--boot-delay-ms <integer>');
    expect(help.stdout).toContain('secret; or --token-env VAR');
  });

  it('imports a template archive and lists it', async () => {
    const imported = await json<{ name: string; config: string }>(
      'template',
      'import',
      'mem',
      makeTemplateTgz('tiny-bb'),
    );
    expect(imported).toMatchObject({ name: 'tiny-bb', config: 'mem' });
    const list = await json<{ name: string }[]>('template', 'list', 'mem');
    expect(list.map((t) => t.name)).toEqual(['tiny-bb']);
    const again = await ims('template', 'import', 'mem', makeTemplateTgz('tiny-bb'));
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('already has a template named "tiny-bb"');
  });

  it('creates, starts (waiting for the IP), inspects, suspends, resumes, stops and deletes a VM', async () => {
    const create = await ims(
      'vm',
      'create',
      'mem',
      'web-1',
      '--template',
      'tiny-bb',
      '--ip',
      '10.0.2.15/24',
      '--gateway',
      '10.0.2.2',
      '--dns',
      '10.0.2.3',
      '--param',
      `motto=it's $(not) run`,
      '--cpus',
      '2',
      '--memory',
      '256',
    );
    expect(create.stderr).toBe('');
    expect(create.code).toBe(0);
    const params = await json<{ params: Record<string, string>; nics: { address: unknown }[] }>(
      'vm',
      'bootparams',
      'web-1',
    );
    expect(params.params.motto).toBe("it's $(not) run");
    expect(params.nics[0]?.address).toEqual({ address: '10.0.2.15', prefix: 24 });

    const started = await json<{ addresses: { address: string; source: string }[] }>(
      'vm',
      'start',
      'web-1',
      '--wait-ip=20',
    );
    expect(started.addresses).toContainEqual(
      expect.objectContaining({ address: '10.0.2.15', source: 'agent' }),
    );
    expect(await json('vm', 'status', 'web-1')).toEqual({
      name: 'web-1',
      config: 'mem',
      provider: 'memory',
      state: 'running',
      providerState: expect.any(String),
      managed: true,
    });

    const ip = await json<{ mac: string; address: string; prefix: number; source: string }[]>(
      'vm',
      'ip',
      'web-1',
    );
    expect(ip.map((a) => a.source).sort()).toEqual(['agent', 'configured']);
    for (const a of ip) expect(Object.keys(a).sort()).toEqual(['address', 'mac', 'prefix', 'source']);

    const metrics = await json<Record<string, unknown>[]>('vm', 'metrics', 'web-1');
    expect(metrics).toHaveLength(1);
    expect(Object.keys(metrics[0]!).sort()).toEqual([
      'at',
      'cpuPercent',
      'cpuTimeNs',
      'memoryTotalBytes',
      'memoryUsedBytes',
      'vcpus',
      'vm',
    ]);
    expect(metrics[0]).toMatchObject({ vm: 'web-1', vcpus: 2, memoryTotalBytes: 256 * 1024 * 1024 });

    expect((await ims('vm', 'suspend', 'web-1')).code).toBe(0);
    expect(await json('vm', 'status', 'web-1')).toMatchObject({ state: 'suspended' });
    expect((await ims('vm', 'resume', 'web-1')).code).toBe(0);
    const refused = await ims('vm', 'delete', 'web-1');
    expect(refused.code).toBe(1);
    expect((await ims('vm', 'stop', 'web-1', '--timeout', '10')).code).toBe(0);
    expect(await json('vm', 'status', 'web-1')).toMatchObject({ state: 'stopped' });

    const all = await json<{ name: string; managed: boolean }[]>('vm', 'list', '--all');
    expect(all).toContainEqual(expect.objectContaining({ name: 'web-1', managed: true }));
    expect(all).toContainEqual(expect.objectContaining({ name: 'outsider', managed: false }));
    const managedOnly = await json<{ name: string }[]>('vm', 'list');
    expect(managedOnly.map((v) => v.name)).toEqual(['web-1']);

    expect((await ims('vm', 'delete', 'web-1')).code).toBe(0);
    const gone = await ims('vm', 'status', 'web-1');
    expect(gone.code).toBe(3);
    expect(gone.stderr).toContain('No VM named "web-1"');
  });

  it('refuses hostile names with exit 2 and changes nothing', async () => {
    const before = readFileSync(join(home, 'state.json'), 'utf8');
    const hostile = [
      '../x',
      'a;rm -rf /',
      '$(id)',
      'a'.repeat(200),
      '',
      'ａｂｃ',
      'a\u202Eb',
      '-x',
      'a b',
      'x/y',
      '.hidden',
    ];
    for (const name of hostile) {
      for (const words of [
        ['config', 'create', name, '--provider', 'memory'],
        ['vm', 'create', 'mem', name, '--template', 'tiny-bb'],
        ['vm', 'start', name],
        ['template', 'delete', 'mem', name],
        ['config', 'show', name],
      ]) {
        // The name is each command's last positional; one starting with "-" goes after "--".
        const run = await ims(
          ...(name.startsWith('-') ? [...words.filter((w) => w !== name), '--', name] : words),
        );
        expect({ words, code: run.code }).toEqual({ words, code: 2 });
        expect(run.stderr).toMatch(/Invalid (configuration|vm|template) name|takes/);
      }
    }
    expect(readFileSync(join(home, 'state.json'), 'utf8')).toBe(before);
    expect(existsSync(join(home, 'data', '..', 'x'))).toBe(false);
  });

  it('speaks clearly about usage errors', async () => {
    const unknown = await ims('vm', 'explode');
    expect(unknown.code).toBe(2);
    const badFlag = await ims('vm', 'stop', 'web-1', '--forse');
    expect(badFlag.code).toBe(2);
    expect(badFlag.stderr).toContain('Did you mean --force?');
    const badIp = await ims('vm', 'create', 'mem', 'v2', '--template', 'tiny-bb', '--ip', '10.0.2.300/24');
    expect(badIp.code).toBe(2);
    expect(badIp.stderr).toContain('--ip "10.0.2.300/24"');
    const debug = await ims('vm', 'status', 'nope', '--debug');
    expect(debug.code).toBe(3);
    expect(debug.stderr).toContain('code: IMS_VM_NOT_FOUND');
  });
});

describe('state under parallel ims processes', () => {
  it('records all of 20 parallel `ims config create`', async () => {
    const home = tempHome();
    const env = { IMS_HOME: home, IMS_PLUGIN_PATH: FIXTURE_PLUGINS };
    const runs = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        runIms(['config', 'create', `par-${i}`, '--provider', 'memory'], env),
      ),
    );
    for (const run of runs) expect(run.stderr).toBe('');
    const list = JSON.parse((await runIms(['config', 'list', '--json'], env)).stdout) as { name: string }[];
    expect(list.map((c) => c.name).sort()).toEqual(Array.from({ length: 20 }, (_, i) => `par-${i}`).sort());
  });
});
