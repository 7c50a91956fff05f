import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { expect } from 'vitest';
import { runVBoxManage, type SimResult } from '../../src/simulator/index.js';

/** A simulator state directory plus a VBoxManage function bound to it. */
export interface SimHarness {
  /** VBOXSIM_HOME. */
  home: string;
  /** The environment every call gets. */
  env: Record<string, string>;
  /** Runs VBoxManage in-process. */
  vbox(...args: string[]): Promise<SimResult>;
  /** Runs VBoxManage and expects exit 0 and no `error:` on stderr; returns stdout. */
  ok(...args: string[]): Promise<string>;
  /** Removes the state directory. */
  cleanup(): Promise<void>;
}

/** A fresh state directory with short simulator delays. */
export async function makeSim(
  version: string | undefined,
  extraEnv: Record<string, string> = {},
): Promise<SimHarness> {
  const home = await mkdtemp(join(tmpdir(), 'vboxsim-test-'));
  const env: Record<string, string> = {
    VBOXSIM_HOME: home,
    VBOXSIM_BOOT_MS: '40',
    VBOXSIM_LOCK_LINGER_MS: '300',
    VBOXSIM_ACPI_MS: '40',
    VBOXSIM_STARTVM_EXIT1_EVERY: '0',
    ...(version === undefined ? {} : { VBOXSIM_VERSION: version }),
    ...extraEnv,
  };
  const vbox = (...args: string[]) => runVBoxManage(args, env);
  return {
    home,
    env,
    vbox,
    ok: async (...args: string[]) => {
      const r = await vbox(...args);
      expect(r.stderr, `VBoxManage ${args.join(' ')}`).not.toContain('error:');
      expect(r.exitCode, `VBoxManage ${args.join(' ')}: ${r.stderr}`).toBe(0);
      return r.stdout;
    },
    cleanup: () => rm(home, { recursive: true, force: true }),
  };
}

/** Creates and registers a VM with an IDE controller. */
export async function createVm(sim: SimHarness, name: string): Promise<void> {
  await sim.ok(
    'createvm',
    '--name',
    name,
    '--basefolder',
    join(sim.home, 'vms'),
    '--ostype',
    'Linux26_64',
    '--register',
  );
  await sim.ok('storagectl', name, '--name', 'IDE', '--add', 'ide');
}

/** Parses `showvminfo --machinereadable` the way a careful client would: skips lines that do not parse. */
export function parseMachineReadable(text: string): Map<string, string> {
  const map = new Map<string, string>();
  const re = /^("(?:[^"\\]|\\.)*"|[^="\s]+)=("((?:[^"\\]|\\.)*)"|(\S*))$/;
  for (const line of text.split('\n')) {
    const m = re.exec(line);
    if (!m) continue;
    const key = m[1]!.startsWith('"') ? m[1]!.slice(1, -1).replace(/\\(.)/g, '$1') : m[1]!;
    const value = m[3] !== undefined ? m[3].replace(/\\(.)/g, '$1') : (m[4] ?? '');
    map.set(key, value);
  }
  return map;
}

/** Polls until `check` returns true (simulator delays are tens of milliseconds in tests). */
export async function waitFor(check: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await sleep(20);
  }
}
