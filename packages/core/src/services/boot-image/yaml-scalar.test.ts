import { describe, expect, it } from 'vitest';
import { loadWithPyYaml } from '../../../test/boot-image/yaml.js';
import { yamlQuoted } from './yaml-scalar.js';

/** Every BMP code point except the surrogates, then astral, lone-surrogate and tricky samples. */
function everyCharacter(): string {
  let text = '';
  for (let code = 0; code <= 0xffff; code++)
    if (code < 0xd800 || code > 0xdfff) text += String.fromCharCode(code);
  return `${text}🚀𝕏\u{10ffff}\ud800x\udfff`;
}

/** Where two texts first differ, shortly, so a failure does not print 64 K characters. */
function firstDifference(expected: string, actual: string): string {
  let at = 0;
  while (at < expected.length && expected[at] === actual[at]) at++;
  const around = (text: string) => JSON.stringify(text.slice(Math.max(0, at - 5), at + 5));
  return `at index ${at}: expected ${around(expected)}, got ${around(actual)}`;
}

describe('yamlQuoted', () => {
  it('escapes quotes, backslashes, controls and the Unicode line breaks', () => {
    expect(yamlQuoted('a"b\\c')).toBe('"a\\"b\\\\c"');
    expect(yamlQuoted('\n\r\t\u0000\u0001\u007f\u0085\u2028\u2029\ufeff')).toBe(
      '"\\n\\r\\t\\0\\x01\\x7F\\N\\L\\P\\uFEFF"',
    );
    expect(yamlQuoted('é 日本 🚀')).toBe('"é 日本 🚀"');
  });

  it('never emits a raw line break or control character', () => {
    // biome-ignore lint/suspicious/noControlCharactersInRegex: finding raw control characters is the point
    const raw = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/.exec(yamlQuoted(everyCharacter()));
    expect(raw?.[0]).toBeUndefined();
  });

  it('round-trips every character through PyYAML, alone and as mapping values', async () => {
    const samples = [
      everyCharacter(),
      '',
      ' ',
      '  padded  ',
      'null',
      '~',
      'true',
      '0600',
      '- item',
      '#comment',
      'key: value',
      '{ flow }',
      '[1, 2]',
      '&anchor *alias !tag | > % @ `',
      "'single'",
      '"double"',
      '\\',
      '\n',
      'a\n\nb\r\n',
      '---\n...',
      '\u0085\u2028\u2029',
      '\ufeff',
      'עברית \u202e',
    ];
    const documents = samples.map(
      (sample) => `value: ${yamlQuoted(sample)}\nlist:\n  - ${yamlQuoted(sample)}\n`,
    );
    const loaded = (await loadWithPyYaml(documents)) as Array<{ value: unknown; list: unknown[] }>;
    loaded.forEach((document, index) => {
      const sample = samples[index]!;
      for (const value of [document.value, document.list[0]]) {
        expect(typeof value).toBe('string');
        if (value !== sample)
          expect.fail(`sample ${index} differs: ${firstDifference(sample, value as string)}`);
      }
    });
  });
});
