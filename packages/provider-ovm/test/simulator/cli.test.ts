import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { basic, PACKAGE_DIR, rawCall, requireCompiledSimulator, tempRoot } from './helpers.js';

const BIN = join(PACKAGE_DIR, 'bin', 'ims-ovm-manager-sim.js');
let root: string;
let cleanup: () => Promise<void>;

beforeEach(async () => {
  ({ root, cleanup } = await tempRoot());
});
afterEach(async () => {
  await cleanup();
});

function start(args: string[], env: NodeJS.ProcessEnv = {}) {
  const child = spawn(process.execPath, [BIN, ...args], {
    env: { PATH: process.env.PATH, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const exited = once(child, 'exit') as Promise<[number | null, string | null]>;
  return { child, exited, out: () => stdout, err: () => stderr };
}

async function waitForLines(out: () => string, count: number): Promise<string[]> {
  const deadline = Date.now() + 10_000;
  while (out().split('\n').filter(Boolean).length < count) {
    if (Date.now() > deadline)
      throw new Error(`no ${count} output lines in time; got ${JSON.stringify(out())}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return out().split('\n').filter(Boolean);
}

describe('ims-ovm-manager-sim', () => {
  it('starts, prints listening/xm/xentop, serves with the configured user, stops on SIGTERM', async () => {
    requireCompiledSimulator();
    const run = start(
      [
        '--ovs-root',
        root,
        '--pool',
        'cli-pool',
        '--user',
        'ops',
        '--password-env',
        'SIM_PW',
        '--latency',
        '5',
      ],
      { SIM_PW: 'pw-from-env' },
    );
    const [listening, xm, xentop] = await waitForLines(run.out, 3);
    const url = /^listening (http:\/\/127\.0\.0\.1:\d+)$/.exec(listening ?? '')?.[1];
    expect(url).toBeDefined();
    expect(xm).toBe(`xm ${join(root, '.ovm-manager-sim', 'bin', 'xm')}`);
    expect(xentop).toBe(`xentop ${join(root, '.ovm-manager-sim', 'bin', 'xentop')}`);
    expect(existsSync(join(root, 'seed_pool'))).toBe(true);
    expect(existsSync(join(root, 'iso_pool'))).toBe(true);
    expect(existsSync(join(root, 'sharedDisk'))).toBe(true);

    const ok = await rawCall(url ?? '', 'ServerPoolService', 'getAllServerPools', '', {
      auth: basic('ops', 'pw-from-env'),
    });
    expect(ok.status).toBe(200);
    expect(ok.text).toContain('cli-pool');
    const refused = await rawCall(url ?? '', 'ServerPoolService', 'getAllServerPools', '');
    expect(refused.status).toBe(401);
    expect(run.err()).not.toContain('pw-from-env');

    run.child.kill('SIGTERM');
    const [code] = await run.exited;
    expect(code).toBe(0);
    await expect(fetch(`${url}/OVSWS/ServerPoolService.wsdl`)).rejects.toThrow();
  });

  it('refuses bad flags with the usage text and exit code 2', async () => {
    requireCompiledSimulator();
    for (const args of [
      [],
      ['--ovs-root', root, '--port', 'x'],
      ['--ovs-root', root, '--bogus'],
      ['--ovs-root', root, '--password-env', 'UNSET_VAR_X'],
    ]) {
      const run = start(args);
      const [code] = await run.exited;
      expect(code).toBe(2);
      expect(run.err()).toContain('usage: ims-ovm-manager-sim --ovs-root DIR');
      expect(run.out()).toBe('');
    }
  });
});
