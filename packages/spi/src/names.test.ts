import { describe, expect, it } from 'vitest';
import { isImsError } from './errors.js';
import { assertValidName, escapeForDisplay, quoteForDisplay } from './names.js';

const refusal = (name: unknown) => {
  try {
    assertValidName('vm', name);
  } catch (error) {
    if (isImsError(error) && error.code === 'IMS_INVALID_NAME') return error.message;
    throw error;
  }
  return undefined;
};

describe('assertValidName', () => {
  it('accepts names of the documented rule', () => {
    for (const name of ['a', 'web-1', 'A.b_c-9', '9lives', 'x'.repeat(63)])
      expect(assertValidName('vm', name)).toBe(name);
  });

  it('refuses hostile and malformed names with a reason', () => {
    const cases: [unknown, RegExp][] = [
      ['../x', /must start with a letter or digit/],
      ['a;rm -rf /', /only letters, digits/],
      ['$(id)', /must start/],
      ['a'.repeat(200), /200 characters long; the limit is 63/],
      ['', /it is empty/],
      ['ａｂｃ', /only letters/],
      ['a\u202Eb', /only letters/],
      ['-lead', /must start/],
      ['a b', /only letters/],
      ['a\nb', /only letters/],
      [undefined, /it is empty/],
      [42, /it is empty/],
    ];
    for (const [name, why] of cases) expect(refusal(name)).toMatch(why);
  });

  it('shortens very long names in the message', () => {
    expect(refusal('b'.repeat(500))!.length).toBeLessThan(250);
  });
});

describe('escapeForDisplay / quoteForDisplay', () => {
  it('writes controls, bidi and invisible characters as escapes, and keeps line feeds on request', () => {
    expect(quoteForDisplay('evil\u202Egnp.exe')).toBe('"evil\\u202egnp.exe"');
    expect(escapeForDisplay('a\u2066b\u200Bc\u0085d\u2028e\x1b[2J')).toBe(
      'a\\u2066b\\u200bc\\u0085d\\u2028e\\u001b[2J',
    );
    expect(escapeForDisplay('one\ntwo', true)).toBe('one\ntwo');
    expect(escapeForDisplay('one\ntwo')).toBe('one\\u000atwo');
    expect(escapeForDisplay('\uD800 lone')).toBe('\\ud800 lone');
    expect(escapeForDisplay('café ünïcode 名前')).toBe('café ünïcode 名前');
  });
});
