import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertHostReady, BOOTCONFIG, GUEST_DIR } from './guest/harness.js';

const LIB_DIR = join(GUEST_DIR, 'lib');
const libScripts = readdirSync(LIB_DIR)
  .filter((name) => name.endsWith('.sh'))
  .map((name) => join(LIB_DIR, name));
const allScripts = [BOOTCONFIG, ...libScripts];
const allCode = [...allScripts, join(LIB_DIR, 'validate-bootparams.awk')];

/** Runs shellcheck as POSIX sh; returns its report (empty when clean). */
function shellcheck(args: readonly string[]): { status: number | null; report: string } {
  const result = spawnSync('shellcheck', ['-s', 'sh', ...args], { encoding: 'utf8' });
  if (result.error) throw result.error;
  return { status: result.status, report: `${result.stdout}${result.stderr}` };
}

/** The code lines of a script, without comments. */
function codeLines(path: string): string[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => !line.trimStart().startsWith('#'));
}

beforeAll(() => {
  assertHostReady();
});

describe('guest scripts', () => {
  it('are all found', () => {
    expect(libScripts.map((path) => path.slice(LIB_DIR.length + 1)).sort()).toEqual([
      'common.sh',
      'disk.sh',
      'hooks.sh',
      'hostname.sh',
      'network.sh',
      'params.sh',
      'report.sh',
      'ssh-keys.sh',
    ]);
  });

  it('pass shellcheck: the entry point with every file it sources', () => {
    const { status, report } = shellcheck(['-x', BOOTCONFIG]);
    expect(report).toBe('');
    expect(status).toBe(0);
  });

  it.each(libScripts)('pass shellcheck: %s on its own', (path) => {
    const { status, report } = shellcheck([path]);
    expect(report).toBe('');
    expect(status).toBe(0);
  });

  it('disable no shellcheck check', () => {
    for (const path of allScripts) {
      expect(readFileSync(path, 'utf8'), path).not.toMatch(/shellcheck\s+disable/);
    }
  });

  it('never eval anything', () => {
    for (const path of allCode) {
      expect(
        codeLines(path).filter((line) => /\beval\b/.test(line)),
        path,
      ).toEqual([]);
    }
  });

  it('have an executable entry point that starts with a POSIX sh shebang', () => {
    expect(statSync(BOOTCONFIG).mode & 0o111).toBe(0o111);
    expect(readFileSync(BOOTCONFIG, 'utf8').startsWith('#!/bin/sh\n')).toBe(true);
  });
});

describe('ims-bootconfig.service', () => {
  const unit = readFileSync(join(GUEST_DIR, 'ims-bootconfig.service'), 'utf8');
  /** Every value of a directive, split into words. */
  const values = (key: string): string[] =>
    unit
      .split('\n')
      .filter((line) => line.startsWith(`${key}=`))
      .flatMap((line) => line.slice(key.length + 1).split(/\s+/))
      .filter((word) => word !== '');

  it('runs the installed script once per boot', () => {
    expect(values('ExecStart')).toEqual(['/usr/lib/ims/ims-bootconfig']);
    expect(values('Type')).toEqual(['oneshot']);
    expect(values('RemainAfterExit')).toEqual(['yes']);
    expect(values('WantedBy')).toEqual(['multi-user.target']);
  });

  it('runs after the local file systems and before the network managers and sshd', () => {
    expect(values('After')).toContain('local-fs.target');
    expect(values('Before')).toEqual(
      expect.arrayContaining(['network-pre.target', 'ssh.service', 'sshd.service']),
    );
    expect(values('Wants')).toContain('network-pre.target');
    expect(values('DefaultDependencies')).toEqual(['no']);
  });

  it('sends the console lines to standard output, which reaches the journal and the console', () => {
    expect(values('Environment')).toEqual(['IMS_CONSOLE=-']);
    expect(values('StandardOutput')).toEqual(['journal+console']);
  });
});
