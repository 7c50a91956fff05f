/** Values chosen to break naive shell quoting, each for a named reason. */
const NAMED: readonly string[] = [
  '',
  "'",
  "''",
  "'\\''",
  "it's",
  '"double"',
  '$(id)',
  '$(touch CANARY)',
  '`touch CANARY`',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a literal shell expansion is the point
  '${x}',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a literal shell expansion is the point
  '${IFS}${PATH:+x}',
  '$((1+1))',
  '$0 $1 $@ $* $# $? $$ $!',
  '\\',
  '\\\\',
  "\\'",
  'back\\slash at end\\',
  '\n',
  'two\nlines',
  'trailing newline\n',
  '\n\nleading newlines',
  'CR\rLF\r\n',
  '\r',
  'tab\there',
  '\t',
  '*',
  '/*',
  '~',
  '~root',
  '#not a comment',
  'a # b',
  ';',
  'a; rm -rf /',
  '&&',
  'true && false || :',
  '|',
  '> /tmp/x',
  '< /etc/passwd',
  '-',
  '--',
  '-n',
  '-e \\n',
  ' ',
  '  leading and trailing  ',
  'é ü ß ñ',
  '日本語テキスト',
  '🚀🦄👩‍👩‍👧‍👦',
  'עברית RTL \u202e override \u202c',
  'العربية',
  '\u0001\u001b[31mred\u001b[0m\u007f',
  '\u0085\u2028\u2029',
  '\ufeffBOM',
  "'; echo pwned; '",
  "'\"'\"'",
  'a=b c=d',
  '!!',
  '!$',
  '[[ -x ]]',
  '{a,b}',
  '?',
  '%s%n%x',
  'x'.repeat(10_000),
];

/** Short pieces that mean something to some shell, mixed at random into the generated values. */
const PIECES: readonly string[] = [
  ...'\'"`$(){}[];|&<>*?~!#\\=%^,:@-+/. \t\n\r',
  "'\\''",
  '$(',
  '${',
  '&&',
  '||',
  'é',
  '日',
  '🚀',
  'א',
  '\u2028',
  'a',
  'Z',
  '0',
  'word',
];

/** Deterministic pseudo-random numbers in [0, 1) (mulberry32), so a failing value can be reproduced. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = Math.imul(state ^ (state >>> 15), state | 1);
    mixed ^= mixed + Math.imul(mixed ^ (mixed >>> 7), mixed | 61);
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/**
 * At least `count` hostile values: the named ones, with `CANARY` replaced by `canary` (a path that must
 * never be created), then random mixtures of {@link PIECES}. No value contains NUL.
 */
export function hostileValues(count: number, canary: string, seed = 20_250_101): string[] {
  const random = seeded(seed);
  const values = NAMED.map((value) => value.replaceAll('CANARY', canary));
  while (values.length < count) {
    const length = Math.floor(random() * 30);
    let value = '';
    for (let i = 0; i < length; i++) value += PIECES[Math.floor(random() * PIECES.length)];
    values.push(value);
  }
  return values;
}
