import { describe, expect, it } from 'vitest';
import { checkManifest, MANIFEST_JSON_SCHEMA } from './manifest.js';

describe('checkManifest', () => {
  it('accepts a complete manifest', () => {
    const manifest = {
      provider: 'libvirt',
      spi: '^1.0.0',
      entry: './dist/index.js',
      displayName: 'libvirt / KVM',
    };
    expect(checkManifest(manifest)).toEqual({ ok: true, manifest });
  });

  it('names field, expected and received for every problem at once', () => {
    const result = checkManifest({ provider: 'Lib Virt', spi: '', entry: '../x.js', colour: 'red' });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems.map((p) => p.field)).toEqual([
      'ims.provider',
      'ims.spi',
      'ims.entry',
      'ims.colour',
    ]);
    expect(result.problems[0]).toMatchObject({ received: '"Lib Virt"' });
    expect(result.problems[0]!.expected).toContain(MANIFEST_JSON_SCHEMA.properties.provider.pattern);
  });

  it('refuses entries that leave the package or are not JavaScript', () => {
    for (const entry of ['/abs/index.js', './a/../../x.js', 'dist/index.js', './index.ts', './..']) {
      expect({ entry, ok: checkManifest({ provider: 'p', spi: '1', entry }).ok }).toEqual({
        entry,
        ok: false,
      });
    }
    for (const entry of ['./index.js', './dist/a.mjs', './lib/x.cjs', './a..b.js']) {
      expect({ entry, ok: checkManifest({ provider: 'p', spi: '1', entry }).ok }).toEqual({
        entry,
        ok: true,
      });
    }
  });

  it('refuses non-objects', () => {
    for (const value of [null, 'libvirt', [], 3]) expect(checkManifest(value).ok).toBe(false);
  });
});
