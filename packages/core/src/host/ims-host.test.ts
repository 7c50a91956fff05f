import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createConfig } from './configs.js';
import { ImsHost } from './ims-host.js';

const FIXTURE_PLUGINS = resolve(import.meta.dirname, '../../test/fixtures/plugins');

describe('ImsHost abort signals', () => {
  it('gives each configuration its own signal, and abort() reaches every one', async () => {
    const host = new ImsHost({
      home: join(mkdtempSync(join(tmpdir(), 'ims-host-')), 'home'),
      roots: [{ dir: FIXTURE_PLUGINS, source: 'plugin-path' }],
    });
    try {
      for (const name of ['a', 'b']) await createConfig(host, name, 'memory', {});
      const a = await host.provider('a');
      const b = await host.provider('b');
      expect(a.signal).not.toBe(b.signal);
      expect(a.signal.aborted || b.signal.aborted).toBe(false);
      host.abort();
      expect(a.signal.aborted && b.signal.aborted).toBe(true);
      await createConfig(host, 'c', 'memory', {});
      expect((await host.provider('c')).signal.aborted).toBe(true); // created after the abort
    } finally {
      await host.close();
    }
  });
});
