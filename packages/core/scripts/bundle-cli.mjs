// Bundles the compiled CLI (dist/cli/main.js) into dist/bundle/ so `ims` starts fast: one file
// for the start-up path instead of dozens of module loads, with each command's code in a lazily
// loaded chunk. Native ssh2 stays external. Provider packages are never bundled: they are found
// and imported at run time. `@ims/spi` and its `schema` / `schema-value` entries (pre-bundled by
// @ims/spi) stay external, so the host and the providers it loads share one copy.
import { rmSync } from 'node:fs';
import { build } from 'esbuild';

// Chunk names carry content hashes: clear out the previous build's.
rmSync('dist/bundle', { recursive: true, force: true });

await build({
  entryPoints: { main: 'dist/cli/main.js' },
  outdir: 'dist/bundle',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external: ['ssh2', 'cpu-features', '@ims/spi', '@ims/spi/schema', '@ims/spi/schema-value'],
  // CommonJS dependencies call require() for Node built-ins; give the ESM bundle a real one.
  banner: {
    js: "import { createRequire as __imsCreateRequire } from 'node:module'; const require = __imsCreateRequire(import.meta.url);",
  },
  sourcemap: true,
  logLevel: 'warning',
});
