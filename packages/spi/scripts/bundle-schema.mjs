// Bundles dist/schema.js (TypeBox's Type) and dist/schema-value.js (its Value functions) into
// dist/schema-bundle/, which the package exports as `@ims/spi/schema` and `@ims/spi/schema-value`.
// TypeBox is ~250 ES modules; a few files load several times faster, and every `ims` command
// that touches a configuration loads it. Code both entries share lands in one common chunk.
import { rmSync } from 'node:fs';
import { build } from 'esbuild';

rmSync('dist/schema-bundle', { recursive: true, force: true });
await build({
  entryPoints: { schema: 'dist/schema.js', 'schema-value': 'dist/schema-value.js' },
  outdir: 'dist/schema-bundle',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  logLevel: 'warning',
});
