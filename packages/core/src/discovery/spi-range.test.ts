import satisfies from 'semver/functions/satisfies.js';
import validRange from 'semver/ranges/valid.js';
import { describe, expect, it } from 'vitest';
import { isValidRange, rangeIncludes } from './spi-range.js';

const VERSIONS = ['0.9.0', '1.0.0', '1.0.1', '1.2.0', '1.10.3', '2.0.0', '2.1.0', '10.0.0', '1.0.0-rc.1'];
const RANGES = [
  '^1.0.0',
  '^1.2.0',
  '^2.0.0',
  '^0.9.0',
  '1.0.0',
  ' ^1.0.0 ',
  '>=1.0.0 <2.0.0',
  '^1.0.0 || ^2.0.0',
  '~1.0.0',
  '1.x',
  '*',
];

describe('SPI range checks', () => {
  it('agree with semver on every version and range, fast path or not', async () => {
    for (const version of VERSIONS) {
      for (const range of RANGES) {
        const expected = satisfies(version, range, { includePrerelease: true });
        expect(await rangeIncludes(version, range), `${version} in ${range}`).toBe(expected);
      }
    }
  });

  it('agree with semver on validity, including garbage', async () => {
    for (const range of [...RANGES, 'not a range', '^', '1.0', '^01.0.0', '>=', '']) {
      expect(await isValidRange(range), JSON.stringify(range)).toBe(validRange(range) !== null);
    }
  });
});
