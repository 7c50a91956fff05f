// Bundles the package's run-time entries into dist/bundle/: `@ims/spi` (dist/index.js),
// `@ims/spi/schema` (TypeBox's Type) and `@ims/spi/schema-value` (its Value functions). The `ims`
// CLI and provider bundles leave all three external, so one process loads each once, as a few
// files instead of dozens of modules (TypeBox alone is ~250): every `ims` command loads the SPI.
// Code the entries share lands in common chunks. The conformance kit stays unbundled (tests only).
import { rmSync } from 'node:fs';
import { build } from 'esbuild';

rmSync('dist/bundle', { recursive: true, force: true });
rmSync('dist/schema-bundle', { recursive: true, force: true });
await build({
  entryPoints: { index: 'dist/index.js', schema: 'dist/schema.js', 'schema-value': 'dist/schema-value.js' },
  outdir: 'dist/bundle',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  logLevel: 'warning',
});
