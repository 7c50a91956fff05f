import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, type FSWatcher, watch } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { createFileStateStore } from '../../src/state/file-store.js';
import type { ConfigRecord, StateV2 } from '../../src/state/model.js';
import { makeTempDir, removeTempDirs } from './helpers.js';

/** The compiled packages/core the children import (they run on plain node, without TypeScript). */
const CORE_DIST = resolve(process.env.IMS_CORE_DIST ?? fileURLToPath(new URL('../../dist', import.meta.url)));
const CHILD_UPDATE = fileURLToPath(new URL('./child-update.mjs', import.meta.url));
const CHILD_CRASH = fileURLToPath(new URL('./child-crash.mjs', import.meta.url));

interface ChildOutcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
}

function startChild(script: string, args: string[]): { child: ChildProcess; outcome: Promise<ChildOutcome> } {
  const child = spawn(process.execPath, [script, ...args], {
    env: { ...process.env, IMS_CORE_DIST: CORE_DIST },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const outcome = new Promise<ChildOutcome>((resolvePromise, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => resolvePromise({ code, signal, stderr }));
  });
  return { child, outcome };
}

function config(name: string, options: Record<string, unknown> = {}): ConfigRecord {
  return {
    name,
    provider: 'test',
    secretsId: `id-${name}`,
    options,
    createdAt: new Date().toISOString(),
    templates: {},
  };
}

async function stateText(home: string): Promise<string> {
  return readFile(join(home, 'state.json'), 'utf8');
}

/** Resolves once `path` exists; fails if the child ends first or `timeoutMs` passes. */
async function waitForFile(path: string, running: Promise<ChildOutcome>, timeoutMs: number): Promise<void> {
  let ended: ChildOutcome | undefined;
  void running.then((outcome) => {
    ended = outcome;
  });
  const deadline = Date.now() + timeoutMs;
  while (!existsSync(path)) {
    if (ended !== undefined) throw new Error(`child ended before writing ${path}: ${JSON.stringify(ended)}`);
    if (Date.now() > deadline) throw new Error(`child did not write ${path} within ${timeoutMs} ms`);
    await sleep(10);
  }
}

/** Fails the calling test (rather than skipping it) when the compiled store is missing. */
function requireCompiledStore(): void {
  if (!existsSync(join(CORE_DIST, 'state', 'file-store.js'))) {
    throw new Error(
      `${join(CORE_DIST, 'state', 'file-store.js')} is missing: run pnpm build first ` +
        '(the child processes import the compiled store; IMS_CORE_DIST may point at another build).',
    );
  }
}

afterEach(removeTempDirs);

describe('state store across processes', () => {
  it('loses no update when 20 processes update at once', async () => {
    requireCompiledStore();
    const home = await makeTempDir();
    const store = createFileStateStore(home);
    await store.update((draft) => {
      draft.configs.counter = config('counter', { count: 0, by: [] });
    });
    const names = Array.from({ length: 20 }, (_, index) => `child-${index}`);
    const rounds = 5;

    const outcomes = await Promise.all(
      names.map((name) => startChild(CHILD_UPDATE, [home, name, String(rounds)]).outcome),
    );

    outcomes.forEach((outcome, index) => {
      expect(outcome, `child ${index} failed: ${outcome.stderr}`).toMatchObject({ code: 0, signal: null });
    });
    const state = JSON.parse(await stateText(home)) as StateV2;
    expect(Object.keys(state.configs).sort()).toEqual([...names, 'counter'].sort());
    const counter = state.configs.counter!.options as { count: number; by: string[] };
    expect(counter.count).toBe(names.length * rounds);
    for (const name of names) expect(counter.by.filter((by) => by === name)).toHaveLength(rounds);
    expect((await readdir(home)).sort()).toEqual(['state.json', 'state.json.bak']);
  });

  it('recovers when the lock holder is killed inside its update', async () => {
    requireCompiledStore();
    const home = await makeTempDir();
    const store = createFileStateStore(home, { lockTimeoutMs: 5000 });
    await store.update((draft) => {
      draft.configs.before = config('before');
    });
    const previous = await stateText(home);
    const marker = join(home, 'child-is-inside-update');

    const { child, outcome } = startChild(CHILD_CRASH, ['pause', home, marker]);
    await waitForFile(marker, outcome, 20_000);
    const lock = JSON.parse(await readFile(join(home, 'state.lock'), 'utf8')) as { pid: number };
    expect(lock.pid).toBe(child.pid);
    child.kill('SIGKILL');
    expect(await outcome).toMatchObject({ signal: 'SIGKILL' });

    expect(await stateText(home)).toBe(previous);
    expect((await store.read()).configs.victim).toBeUndefined();
    const started = Date.now();
    await store.update((draft) => {
      draft.configs.after = config('after');
    });
    expect(Date.now() - started).toBeLessThan(2000);
    expect(Object.keys((await store.read()).configs).sort()).toEqual(['after', 'before']);
    expect((await readdir(home)).sort()).toEqual(['child-is-inside-update', 'state.json', 'state.json.bak']);
  });

  it('keeps the previous state when the writer is killed while writing the file', async () => {
    requireCompiledStore();
    const home = await makeTempDir();
    const store = createFileStateStore(home, { lockTimeoutMs: 5000 });
    await store.update((draft) => {
      draft.configs.before = config('before');
    });
    const previous = await stateText(home);

    let watcher: FSWatcher | undefined;
    let sawTemp = '';
    const { child, outcome } = startChild(CHILD_CRASH, ['huge', home]);
    try {
      watcher = watch(home, (_event, file) => {
        if (typeof file === 'string' && /^state\.json\.\d+\.[a-z0-9]+\.tmp$/.test(file) && sawTemp === '') {
          sawTemp = file;
          child.kill('SIGKILL');
        }
      });
      expect(await outcome).toMatchObject({ signal: 'SIGKILL' });
    } finally {
      watcher?.close();
    }

    expect(sawTemp).toMatch(new RegExp(`^state\\.json\\.${child.pid}\\.`));
    expect(await stateText(home)).toBe(previous);
    expect(existsSync(join(home, sawTemp)), 'the killed write leaves its temp file').toBe(true);
    expect(existsSync(join(home, 'state.lock')), 'the killed writer leaves its lock').toBe(true);

    await store.update((draft) => {
      draft.configs.after = config('after');
    });
    expect(Object.keys((await store.read()).configs).sort()).toEqual(['after', 'before']);
    expect((await readdir(home)).sort()).toEqual(['state.json', 'state.json.bak']);
  });
});
