import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SPI_VERSION } from '@ims/spi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, FIXTURE_PLUGINS, runIms, tempHome } from './run-ims.js';

beforeAll(assertBuilt);

function templateTgz(name: string): Buffer {
  const dir = mkdtempSync(join(tmpdir(), 'ims-tpl-'));
  mkdirSync(join(dir, 'tree'));
  writeFileSync(join(dir, 'tree', 'template.json'), JSON.stringify({ name, disks: [] }));
  execFileSync('tar', ['czf', join(dir, 't.tgz'), '-C', join(dir, 'tree'), '.']);
  return readFileSync(join(dir, 't.tgz'));
}

describe('templates, addresses and deletions through the CLI', () => {
  const home = tempHome();
  const env = { IMS_HOME: home, IMS_PLUGIN_PATH: FIXTURE_PLUGINS };
  const ims = (...words: string[]) => runIms(words, env);
  let server: Server;
  let base: string;

  beforeAll(async () => {
    const archive = templateTgz('from-http');
    server = createServer((req, res) => {
      if (req.url === '/t/from-http.tgz') {
        res.writeHead(200, { 'content-length': archive.length });
        res.end(archive);
      } else if (req.url === '/t/garbage.tgz') {
        res.end('this is not an archive');
      } else {
        res.writeHead(404).end();
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    expect((await ims('config', 'create', 'mem', '--provider', 'memory', '--persist')).code).toBe(0);
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('imports a template from an http URL on loopback; a missing or broken one fails cleanly', async () => {
    const ok = await ims('template', 'import', 'mem', `${base}/t/from-http.tgz`);
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    const missing = await ims('template', 'import', 'mem', `${base}/t/nope.tgz`);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('HTTP 404');
    const broken = await ims('template', 'import', 'mem', `${base}/t/garbage.tgz`, '--name', 'garbage');
    expect(broken.code).toBe(1);
    expect(broken.stderr).toMatch(/archive/i);
    const list = JSON.parse((await ims('template', 'list', '--json')).stdout) as { name: string }[];
    expect(list.map((t) => t.name)).toEqual(['from-http']);
  });

  it('changes the address delivered at next start, and refuses deleting what is in use', async () => {
    expect((await ims('vm', 'create', 'mem', 'db-1', '--template', 'from-http')).code).toBe(0);
    const set = await ims(
      'vm',
      'ip',
      'set',
      'db-1',
      '10.0.2.20/24',
      '--gateway',
      '10.0.2.2',
      '--dns',
      '10.0.2.3',
    );
    expect(set.code).toBe(0);
    const params = JSON.parse((await ims('vm', 'bootparams', 'db-1', '--json')).stdout) as {
      nics: unknown[];
      dns: string[];
    };
    expect(params.nics[0]).toMatchObject({
      address: { address: '10.0.2.20', prefix: 24 },
      gateway: '10.0.2.2',
    });
    expect(params.dns).toEqual(['10.0.2.3']);
    const iso = join(home, 'x.iso');
    const image = await ims('vm', 'bootparams', 'db-1', '--out', iso);
    expect(image.stderr).toBe('');
    expect(image.code).toBe(0);
    const conf = execFileSync('isoinfo', ['-J', '-x', '/bootparams.conf', '-i', iso], { encoding: 'utf8' });
    expect(conf).toContain("IMS_NET0_ADDRESS='10.0.2.20/24'");
    expect(conf).toContain("IMS_HOSTNAME='db-1'");

    const tpl = await ims('template', 'delete', 'mem', 'from-http');
    expect(tpl.code).toBe(1);
    expect(tpl.stderr).toContain('used by VM(s) db-1');
    const cfg = await ims('config', 'delete', 'mem');
    expect(cfg.code).toBe(1);
    expect(cfg.stderr).toContain('still has 1 VM(s): db-1');

    expect((await ims('vm', 'delete', 'db-1')).code).toBe(0);
    expect((await ims('template', 'delete', 'mem', 'from-http')).code).toBe(0);
    expect((await ims('config', 'delete', 'mem')).code).toBe(0);
    expect((await ims('config', 'show', 'mem')).code).toBe(3);
  });

  it('refuses a private key given as --ssh-key without printing it', async () => {
    expect((await ims('config', 'create', 'mem2', '--provider', 'memory', '--persist')).code).toBe(0);
    const tgz = join(home, 'keyed.tgz');
    writeFileSync(tgz, templateTgz('keyed'));
    expect((await ims('template', 'import', 'mem2', tgz)).code).toBe(0);
    const key = join(home, 'id_test');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', key]);
    const privateKey = readFileSync(key, 'utf8');
    const run = await ims('vm', 'create', 'mem2', 'k-1', '--template', 'keyed', '--ssh-key', key);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('PRIVATE key');
    expect(run.stderr).not.toContain(privateKey.split('\n')[1]!);
    const ok = await ims('vm', 'create', 'mem2', 'k-1', '--template', 'keyed', '--ssh-key', `${key}.pub`);
    expect(ok.stderr).toBe('');
    const params = JSON.parse((await ims('vm', 'bootparams', 'k-1', '--json')).stdout) as {
      sshKeys: string[];
    };
    expect(params.sshKeys).toEqual([readFileSync(`${key}.pub`, 'utf8').trim()]);
  });
});

describe('state written by a newer IMS, help and version', () => {
  it('refuses a newer state file with exit 1 and leaves it untouched', async () => {
    const home = tempHome();
    mkdirSync(home, { recursive: true });
    const newer = JSON.stringify({ version: 99, configs: {}, vms: {}, somethingNew: true });
    writeFileSync(join(home, 'state.json'), newer);
    const run = await runIms(['config', 'create', 'x', '--provider', 'memory'], {
      IMS_HOME: home,
      IMS_PLUGIN_PATH: FIXTURE_PLUGINS,
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('newer IMS');
    expect(readFileSync(join(home, 'state.json'), 'utf8')).toBe(newer);
  });

  it('prints help and version', async () => {
    const help = await runIms(['--help'], { IMS_HOME: tempHome() });
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('ims vm create <config> <vm>');
    const bare = await runIms([], { IMS_HOME: tempHome() });
    expect(bare.code).toBe(2);
    const version = await runIms(['--version', '--json'], { IMS_HOME: tempHome() });
    expect(JSON.parse(version.stdout)).toEqual({ ims: '0.1.0', spi: SPI_VERSION });
    const vmHelp = await runIms(['vm', 'stop', '--help'], { IMS_HOME: tempHome() });
    expect(vmHelp.stdout).toContain('--timeout SECONDS');
  });
});
