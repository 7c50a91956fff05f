import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { shellQuote } from '../../src/services/boot-image/bootparams-conf.js';
import { requireTool, runTool } from './tools.js';

/** A POSIX shell to source `bootparams.conf` with: its program and the arguments before the script. */
export interface ShellUnderTest {
  /** Shown in test names. */
  label: string;
  /** The program, looked up on PATH. */
  tool: 'dash' | 'bash' | 'busybox';
  /** Arguments before the script path. */
  args: readonly string[];
}

/** The shells the guest scripts must work under: dash (Debian's sh), bash, and busybox's ash. */
export const SHELLS: readonly ShellUnderTest[] = [
  { label: 'sh (dash)', tool: 'dash', args: [] },
  { label: 'bash', tool: 'bash', args: [] },
  { label: 'busybox sh', tool: 'busybox', args: ['sh'] },
];

/**
 * Runs one child `shell` that does `. confPath` and prints each of `keys` NUL-terminated, and returns
 * the values it printed.
 */
export async function valuesSeenByShell(
  shell: ShellUnderTest,
  workDir: string,
  confPath: string,
  keys: readonly string[],
): Promise<string[]> {
  const program = await requireTool(shell.tool);
  const script = join(workDir, `print-${shell.tool}.sh`);
  const references = keys.map((key) => `"$${key}"`).join(' ');
  await writeFile(script, `. ${shellQuote(confPath)}\nprintf '%s\\0' ${references}\n`);
  const { stdout } = await runTool(program, [...shell.args, script]);
  const parts = stdout.toString('utf8').split('\0');
  if (parts.pop() !== '') throw new Error(`${shell.label} output does not end with NUL`);
  return parts;
}
