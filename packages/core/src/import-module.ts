/**
 * Imports an ES module that is not part of the host's own code: a provider package's entry, an
 * `@ims/spi` entry loaded on demand. Everything that leaves the CLI bundle this way goes through
 * here because the bundle runs from V8's code cache as a classic script, which cannot evaluate
 * `import()` itself: the bundle build swaps this module for one that asks the launcher to import
 * (see `scripts/bundle-cli.mjs` and `src/launcher.ts`).
 */
export function importModule<T>(specifier: string): Promise<T> {
  return import(specifier) as Promise<T>;
}
