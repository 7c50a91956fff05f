import { describe, expect, it } from 'vitest';
import { createLogger, redact } from './logger.js';

describe('logger', () => {
  it('redacts secret-looking fields at any depth', () => {
    expect(
      redact({ user: 'root', password: 'p', nested: { privateKey: 'k', apiToken: 't', host: 'h' } }),
    ).toEqual({
      user: 'root',
      password: '***',
      nested: { privateKey: '***', apiToken: '***', host: 'h' },
    });
  });

  it('writes warnings always, info and debug only when verbose, with tags', () => {
    const lines: string[] = [];
    const quiet = createLogger({ write: (l) => lines.push(l), verbose: false })
      .child('libvirt')
      .child('lab');
    quiet.info('hidden');
    quiet.warn('shown', { passphrase: 'x' });
    const loud = createLogger({ write: (l) => lines.push(l), verbose: true });
    loud.debug('detail');
    expect(lines).toEqual(['warn [libvirt/lab] shown {"passphrase":"***"}', 'debug detail']);
  });

  it('escapes control and bidi characters a message carries', () => {
    const lines: string[] = [];
    createLogger({ write: (l) => lines.push(l), verbose: false }).warn('vm "a\u202Eb" said \x1b[2Jhi');
    expect(lines).toEqual(['warn vm "a\\u202eb" said \\u001b[2Jhi']);
  });
});
