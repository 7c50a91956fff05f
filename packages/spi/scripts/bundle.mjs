// Bundles the package's run-time entries into dist/bundle/: `@ims/spi` (dist/index.js),
// `@ims/spi/schema` (TypeBox's Type), `@ims/spi/config-schema` (the builders option schemas use)
// and `@ims/spi/schema-value` (its Value functions). The `ims` CLI and provider bundles leave all
// four external, so one process loads each once, as a few files instead of dozens of modules
// (TypeBox alone is ~250): every `ims` command loads the SPI. Code the first three share lands in
// common chunks; `config-schema` is one file of its own, because every module a provider's import
// pulls in costs start-up time. The conformance kit stays unbundled (tests only).
import { rmSync } from 'node:fs';
import { build } from 'esbuild';

const common = {
  outdir: 'dist/bundle',
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  logLevel: 'warning',
};

rmSync('dist/bundle', { recursive: true, force: true });
rmSync('dist/schema-bundle', { recursive: true, force: true });
await build({
  ...common,
  entryPoints: { index: 'dist/index.js', schema: 'dist/schema.js', 'schema-value': 'dist/schema-value.js' },
  splitting: true,
});
await build({ ...common, entryPoints: { 'config-schema': 'dist/config-schema.js' } });
