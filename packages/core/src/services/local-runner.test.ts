import { mkdtemp, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { imsRejection } from '../../test/rejection.js';
import { createLocalRunner, stderrTail } from './local-runner.js';

const HOSTILE = [
  '$(id)',
  '`id`',
  'a; rm -rf /tmp/ims-should-not-exist',
  "it's",
  '"double"',
  "'",
  "''\\''",
  'line1\nline2\r\n',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a literal shell expansion is the point
  '$HOME ${PATH} $((1+1))',
  '*',
  '~',
  '-n',
  '--',
  '',
  ' leading and trailing ',
  '| & > < >> 2>&1',
  'ünïcødé ✓ 日本語 🚀',
  '\t\u0001\u001b[31m',
];

describe('createLocalRunner', () => {
  const runner = createLocalRunner();
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ims-local-runner-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('is the local target', () => {
    expect(runner.target).toBe('local');
  });

  it.each(HOSTILE.map((arg) => [JSON.stringify(arg), arg]))('passes %s through literally', async (_, arg) => {
    const result = await runner.run(['printf', '%s', arg]);
    expect(result).toEqual({ exitCode: 0, stdout: arg, stderr: '' });
  });

  it('passes many arguments in order without a shell', async () => {
    const result = await runner.run(['printf', '%s\\0', ...HOSTILE]);
    expect(result.stdout.split('\0').slice(0, -1)).toEqual(HOSTILE);
  });

  it('writes input to standard input and closes it', async () => {
    const input = 'first\nsecond $(id)\n';
    expect((await runner.run(['cat'], { input })).stdout).toBe(input);
    const bytes = new Uint8Array([0, 1, 2, 255, 10]);
    const result = await runner.run(['od', '-An', '-tu1'], { input: bytes });
    expect(result.stdout.trim().split(/\s+/)).toEqual(['0', '1', '2', '255', '10']);
  });

  it('closes standard input when there is no input', async () => {
    expect(await runner.run(['cat'], { timeoutMs: 5000 })).toEqual({ exitCode: 0, stdout: '', stderr: '' });
  });

  it('fails a non-zero exit with the command, the exit code and the last stderr lines', async () => {
    const script = 'for i in $(seq 1 30); do echo "line $i" >&2; done; exit 3';
    const error = await imsRejection(runner.run(['sh', '-c', script, 'secret-argument']));
    expect(error.code).toBe('IMS_COMMAND_FAILED');
    expect(error.message).toContain('"sh"');
    expect(error.message).toContain('exit code 3');
    expect(error.message).toContain('line 30');
    expect(error.message).toContain('line 21');
    expect(error.message).not.toContain('line 20\n');
    expect(error.message).not.toContain('secret-argument');
    expect(error.details).toMatchObject({ command: 'sh', exitCode: 3, target: 'local' });
  });

  it('resolves a non-zero exit with allowFailure', async () => {
    const result = await runner.run(['sh', '-c', 'echo out; echo err >&2; exit 7'], { allowFailure: true });
    expect(result).toEqual({ exitCode: 7, stdout: 'out\n', stderr: 'err\n' });
  });

  it('reports a command ended by a signal', async () => {
    const result = await runner.run(['sh', '-c', 'kill -9 $$'], { allowFailure: true });
    expect(result.exitCode).toBeNull();
    const error = await imsRejection(runner.run(['sh', '-c', 'kill -9 $$']));
    expect(error.code).toBe('IMS_COMMAND_FAILED');
    expect(error.message).toContain('SIGKILL');
  });

  it('names a missing program', async () => {
    const error = await imsRejection(runner.run(['ims-no-such-program-xyz', '--version']));
    expect(error.code).toBe('IMS_COMMAND_FAILED');
    expect(error.message).toContain('ims-no-such-program-xyz');
    expect(error.message).toContain('not installed');
    expect(error.details).toMatchObject({ missingProgram: 'ims-no-such-program-xyz' });
  });

  it('says so when the working directory is missing', async () => {
    const error = await imsRejection(runner.run(['pwd'], { cwd: join(dir, 'missing') }));
    expect(error.code).toBe('IMS_COMMAND_FAILED');
    expect(error.message).toContain('working directory');
  });

  it('kills a command that runs too long and fails with IMS_TIMEOUT', async () => {
    const started = Date.now();
    const error = await imsRejection(runner.run(['sleep', '30'], { timeoutMs: 200 }));
    expect(error.code).toBe('IMS_TIMEOUT');
    expect(error.message).toContain('200 ms');
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('kills a command that ignores SIGTERM', async () => {
    const marker = join(dir, 'stubborn-survived');
    const script = `trap '' TERM; sleep 3; touch ${marker}`;
    const error = await imsRejection(runner.run(['sh', '-c', script], { timeoutMs: 200 }));
    expect(error.code).toBe('IMS_TIMEOUT');
    await new Promise((resolve) => setTimeout(resolve, 3500));
    await expect(realpath(marker)).rejects.toThrow();
  });

  it('cancels through the abort signal', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const error = await imsRejection(runner.run(['sleep', '30'], { signal: controller.signal }));
    expect(error.code).toBe('IMS_ABORTED');
    const again = await imsRejection(runner.run(['true'], { signal: controller.signal }));
    expect(again.code).toBe('IMS_ABORTED');
  });

  it('sets environment variables and the working directory', async () => {
    const result = await runner.run(['sh', '-c', 'printf "%s|%s|%s" "$IMS_TEST_VAR" "$(pwd)" "$PATH"'], {
      env: { IMS_TEST_VAR: 'value $(id)' },
      cwd: dir,
    });
    const [value, cwd, path] = result.stdout.split('|');
    expect(value).toBe('value $(id)');
    expect(cwd).toBe(await realpath(dir));
    expect(path).toBe(process.env.PATH);
  });

  it('refuses empty argv and NUL bytes', async () => {
    expect((await imsRejection(runner.run([]))).code).toBe('IMS_INVALID_ARGUMENT');
    expect((await imsRejection(runner.run(['printf', 'a\0b']))).code).toBe('IMS_INVALID_ARGUMENT');
    expect((await imsRejection(runner.run(['true'], { timeoutMs: -1 }))).code).toBe('IMS_INVALID_ARGUMENT');
  });

  it('keeps multi-byte characters split across chunks intact', async () => {
    const text = '日本語🚀'.repeat(50_000);
    expect((await runner.run(['cat'], { input: text })).stdout).toBe(text);
  });
});

describe('stderrTail', () => {
  it('keeps the last ten lines and bounds their length', () => {
    const text = Array.from({ length: 15 }, (_, i) => `l${i}`).join('\n');
    expect(stderrTail(`${text}\n\n`)).toBe(Array.from({ length: 10 }, (_, i) => `l${i + 5}`).join('\n'));
    expect(stderrTail('x'.repeat(5000)).length).toBeLessThanOrEqual(2001);
  });
});
