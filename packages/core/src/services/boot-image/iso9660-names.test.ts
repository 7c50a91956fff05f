import { describe, expect, it } from 'vitest';
import { assertJolietName, compareLevel1, level1Identifier, level1Names } from './iso9660-names.js';

describe('level1Names', () => {
  it('upper-cases, replaces other characters with _, splits at the last dot, truncates to 8.3', () => {
    expect(
      level1Names(['meta-data', 'user-data', 'network-config', 'bootparams.conf']).map(level1Identifier),
    ).toEqual(['META_DAT.;1', 'USER_DAT.;1', 'NETWORK_.;1', 'BOOTPARA.CON;1']);
    expect(level1Names(['a.b.tar.gz', '.hidden', 'x.', 'ünï 🚀']).map(level1Identifier)).toEqual([
      'A_B_TAR.GZ;1',
      '.HID;1',
      'X.;1',
      '_N___.;1',
    ]);
  });

  it('makes colliding names unique with a counter in the last places of the base, first come first served', () => {
    const names = level1Names([
      'meta-data',
      'meta_data',
      'META-DATA',
      'meta-da1',
      ...Array.from({ length: 12 }, (_, i) => `meta-data-${i}`),
    ]);
    const identifiers = names.map(level1Identifier);
    expect(identifiers.slice(0, 4)).toEqual(['META_DAT.;1', 'META_DA1.;1', 'META_DA2.;1', 'META_DA3.;1']);
    expect(new Set(identifiers).size).toBe(identifiers.length);
    expect(identifiers).toContain('META_D10.;1');
    for (const identifier of identifiers) expect(identifier).toMatch(/^[A-Z0-9_]{0,8}\.[A-Z0-9_]{0,3};1$/);
  });

  it('orders by padded name, then extension', () => {
    const [a, ab, aExt] = level1Names(['a', 'ab', 'a.z']);
    expect([ab!, aExt!, a!].sort(compareLevel1).map(level1Identifier)).toEqual(['A.;1', 'A.Z;1', 'AB.;1']);
  });
});

describe('assertJolietName', () => {
  it.each([
    '',
    '.',
    '..',
    'a/b',
    'a:b',
    'a;1',
    'a*',
    'a?',
    'a\\b',
    'tab\t',
    'n'.repeat(65),
    '🚀',
    'lone\ud800',
  ])('refuses %j', (name) => {
    expect(() => assertJolietName(name)).toThrow(expect.objectContaining({ code: 'IMS_INVALID_ARGUMENT' }));
  });

  it.each(['meta-data', 'bootparams.conf', 'ünïcødé € 日本', 'n'.repeat(64), 'with space'])(
    'accepts %j',
    (name) => {
      expect(() => assertJolietName(name)).not.toThrow();
    },
  );
});
