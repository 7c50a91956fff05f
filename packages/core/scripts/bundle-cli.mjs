// Bundles the compiled CLI (dist/cli/main.js) into one classic script, dist/bundle/cli.cjs, that
// bin/ims.js runs through dist/launcher.js with a V8 code cache: one file to read and no module
// graph to resolve, and after the first run of a command almost nothing to compile.
// - Native ssh2 stays external (CommonJS, required normally).
// - `@ims/spi` stays external so the host and the providers share one copy: the launcher imports
//   it and hands it to the bundle's require(). Its `schema` / `schema-value` entries are ES
//   modules a script cannot require: core loads them on demand through importModule(), like
//   provider packages, which are never bundled (they are found and imported at run time).
// - importModule() is swapped for a call to the launcher's import: a script compiled from a code
//   cache cannot evaluate `import()` itself.
import { createHash } from 'node:crypto';
import { appendFileSync, readFileSync, rmSync } from 'node:fs';
import { build } from 'esbuild';

const OUTFILE = 'dist/bundle/cli.cjs';

/** Replaces dist/import-module.js with a call to the `__imsImport` the launcher passes in. */
const launcherImport = {
  name: 'launcher-import',
  setup(builder) {
    builder.onLoad({ filter: /[\\/]dist[\\/]import-module\.js$/ }, () => ({
      contents: 'export function importModule(specifier) { return __imsImport(specifier); }',
      loader: 'js',
    }));
  },
};

rmSync('dist/bundle', { recursive: true, force: true });

await build({
  entryPoints: ['dist/cli/main.js'],
  outfile: OUTFILE,
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  external: [
    'ssh2',
    'cpu-features',
    '@ims/spi',
    '@ims/spi/schema',
    '@ims/spi/config-schema',
    '@ims/spi/schema-value',
  ],
  // The launcher passes the bundle's URL in, for code that finds files next to the package.
  define: { 'import.meta.url': '__imsModuleUrl' },
  plugins: [launcherImport],
  sourcemap: true,
  logLevel: 'warning',
});

// What the script could not do at run time must fail the build instead.
const code = readFileSync(OUTFILE, 'utf8');
const problems = [
  [/\bimport\((?!specifier\))/, 'an import() left in the bundle (route it through importModule)'],
  [
    /require\("@ims\/spi\/[^"]*"\)/,
    'a static import of an ES-module-only @ims/spi entry (load it with importModule)',
  ],
  [/\bimport\.meta\b/, 'import.meta left in the bundle'],
].filter(([pattern]) => pattern.test(code));
if (problems.length > 0) {
  for (const [pattern, why] of problems) console.error(`${OUTFILE}: ${why}: ${code.match(pattern)?.[0]}`);
  process.exit(1);
}

// The launcher keys its code cache by this: V8 would accept a cache of another build of the same
// length, and npm gives every installed file the same time.
const hash = createHash('sha256').update(code).digest('hex');
appendFileSync(OUTFILE, `//# imsBundleHash=${hash}\n`);
