// Bundles a provider package's compiled entry (dist/index.js) into dist/bundle/ — what its
// manifest's `entry` points at. One file for the start-up path (with each lazily imported
// operation in its own chunk) loads far faster than dozens of modules; TypeBox in particular costs
// ~50 ms unbundled. @ims/spi stays external (a peer dependency: the host provides it), including
// `@ims/spi/schema`: the package ships TypeBox pre-bundled there, and the host has loaded it already.
import { rmSync } from 'node:fs';
import { build } from 'esbuild';

// Chunk names carry content hashes: clear out the previous build's.
rmSync('dist/bundle', { recursive: true, force: true });

await build({
  entryPoints: { index: 'dist/index.js' },
  outdir: 'dist/bundle',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  plugins: [
    {
      name: 'spi-external',
      setup(b) {
        b.onResolve({ filter: /^@ims\/spi(\/schema|\/config-schema)?$/ }, (args) => ({
          path: args.path,
          external: true,
        }));
      },
    },
  ],
  banner: {
    js: "import { createRequire as __imsCreateRequire } from 'node:module'; const require = __imsCreateRequire(import.meta.url);",
  },
  sourcemap: true,
  logLevel: 'warning',
});
