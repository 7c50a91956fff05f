/** Characters that mean something to some shell, plus controls and multi-byte text. */
const NASTY = [
  ...'\'"`$(){}[];|&<>*?~!#\\=%^,:@-+/. \t\n\r',
  '\u0001',
  '\u001b',
  '\u007f',
  'é',
  '日',
  '🚀',
  "'\\''",
  '$(id)',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a literal shell expansion is the point
  '${IFS}',
  'a',
  'Z',
  '0',
];

/** Deterministic pseudo-random generator (mulberry32), so a failing string can be reproduced. */
function generator(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** `count` strings of 0 to 40 pieces of shell-meaningful text; no NUL, which no argv can carry. */
export function hostileStrings(count: number, seed = 20_240_601): string[] {
  const random = generator(seed);
  const strings: string[] = ['', "'", "''", '\n', ' ', '-', '--', '$', '\\'];
  while (strings.length < count) {
    const length = Math.floor(random() * 41);
    let text = '';
    for (let i = 0; i < length; i++) text += NASTY[Math.floor(random() * NASTY.length)];
    strings.push(text);
  }
  return strings;
}
