/**
 * For provider packages' end-to-end tests: the `ims` CLI finds a provider in the host's
 * node_modules and loads its compiled bundle, so the test must fail plainly when that build is
 * missing or older than the sources instead of testing yesterday's code.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

const CORE_BUNDLE = resolve(import.meta.dirname, '../../dist/bundle/cli.cjs');

function sourcesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourcesUnder(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

/** Fails saying to run `pnpm build` when the CLI or the provider package at `packageDir` is unbuilt or stale. */
export function assertProviderBuilt(packageDir: string): void {
  if (!existsSync(CORE_BUNDLE)) {
    throw new Error('packages/core is not built: run `pnpm build` first (the test runs the built ims CLI).');
  }
  const src = join(packageDir, 'src');
  const dist = join(packageDir, 'dist');
  // `tsc -b` touches its build info even when a changed source compiles to the same output.
  const buildInfo = join(dist, '.tsbuildinfo');
  const builtAt = existsSync(buildInfo) ? statSync(buildInfo).mtimeMs : 0;
  const stale = sourcesUnder(src).filter((source) => {
    const compiled = join(dist, relative(src, source)).replace(/\.ts$/, '.js');
    if (!existsSync(compiled)) return true;
    return Math.max(builtAt, statSync(compiled).mtimeMs) < statSync(source).mtimeMs;
  });
  const bundle = join(dist, 'bundle', 'index.js');
  if (stale.length > 0 || !existsSync(bundle)) {
    const what = stale.length > 0 ? relative(src, stale[0] ?? '') : 'its bundle';
    throw new Error(
      `${relative(resolve(packageDir, '../..'), dist)} is missing or older than ${what}` +
        ` (${stale.length} stale files): run \`pnpm build\` first; the CLI loads the compiled provider.`,
    );
  }
}
