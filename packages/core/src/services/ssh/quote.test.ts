import { isImsError } from '@ims/spi';
import { describe, expect, it } from 'vitest';
import { hostileStrings } from '../../../test/ssh/hostile-strings.js';
import { createLocalRunner } from '../local-runner.js';
import { quoteArg, quoteArgv } from './quote.js';

const runner = createLocalRunner();

/** Runs the quoted command line through a real `sh -c`, as an SSH server's login shell would. */
async function roundTrip(shell: string, args: readonly string[]): Promise<string[]> {
  const commandLine = quoteArgv(['printf', '%s\\0', ...args]);
  const { stdout } = await runner.run([shell, '-c', commandLine]);
  return stdout.split('\0').slice(0, -1);
}

describe('quoteArgv', () => {
  it('single-quotes words that need it and writes quotes as close-escape-open', () => {
    expect(quoteArg("it's")).toBe(`'it'\\''s'`);
    expect(quoteArg('')).toBe(`''`);
    expect(quoteArg('$(id)')).toBe(`'$(id)'`);
    expect(quoteArg('/var/lib/ims-1.2')).toBe('/var/lib/ims-1.2');
    expect(quoteArg('a=b')).toBe(`'a=b'`);
  });

  it('always quotes the program so it can never be read as a keyword or assignment', () => {
    expect(quoteArgv(['time', 'ls'])).toBe(`'time' ls`);
    expect(quoteArgv(['A=b', 'x'])).toBe(`'A=b' x`);
  });

  it('refuses empty argv and NUL bytes', () => {
    for (const argv of [[], ['printf', 'a\0b']]) {
      let caught: unknown;
      try {
        quoteArgv(argv);
      } catch (error) {
        caught = error;
      }
      expect(isImsError(caught) && caught.code).toBe('IMS_INVALID_ARGUMENT');
    }
  });

  it.each(['sh', 'bash'])('round-trips 1000 hostile strings byte-exact through %s -c', async (shell) => {
    const strings = hostileStrings(1000);
    expect(await roundTrip(shell, strings)).toEqual(strings);
  });

  it('round-trips each hostile string on its own through sh -c', async () => {
    for (const text of hostileStrings(200, 7)) {
      const { stdout } = await runner.run(['sh', '-c', quoteArgv(['printf', '%s', text])]);
      expect(Buffer.from(stdout)).toEqual(Buffer.from(text));
    }
  });
});
