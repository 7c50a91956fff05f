import { escapeForDisplay } from '@ims/spi';
import { PluginRegistry } from '../../discovery/registry.js';
import { defaultSearchRoots } from '../../discovery/search-roots.js';
import type { CommandHandler } from '../command-context.js';
import { jsonDocument, table } from '../output.js';
import { EXIT_CODES } from '../report-error.js';

/** `ims plugins [--verify]`: manifests only, unless --verify imports each entry. */
export const listPlugins: CommandHandler = async (ctx) => {
  const verify = ctx.args.flags.has('verify');
  // Only discovery is loaded here: no container, no schema library, no provider code (unless --verify).
  const rows = await new PluginRegistry({ roots: defaultSearchRoots(ctx.home) }).rows(verify);
  if (ctx.json) {
    ctx.out(
      jsonDocument(
        rows.map((r) => ({
          package: r.package,
          version: r.version ?? null,
          provider: r.provider ?? null,
          spi: r.spi ?? null,
          status: r.status,
          ...(r.error
            ? {
                error: {
                  code: r.error.code,
                  message: r.error.message,
                  ...(r.error.hint ? { hint: r.error.hint } : {}),
                },
              }
            : {}),
        })),
      ),
    );
  } else if (rows.length === 0) {
    ctx.err('No provider packages found. Install one with `ims plugin install <package>`.');
  } else {
    for (const line of table(
      ['PACKAGE', 'VERSION', 'PROVIDER', 'SPI', 'STATUS'],
      rows.map((r) => [r.package, r.version ?? '-', r.provider ?? '-', r.spi ?? '-', r.status]),
    ))
      ctx.out(escapeForDisplay(line)); // package.json fields are the package author's text
    for (const r of rows.filter((row) => row.error)) {
      ctx.err(escapeForDisplay(`warning: ${r.package}: ${r.error?.message} [${r.error?.code}]`, true));
      if (r.error?.hint) ctx.err(escapeForDisplay(`  hint: ${r.error.hint}`, true));
    }
  }
  return verify && rows.some((r) => r.status !== 'ok') ? EXIT_CODES.plugin : 0;
};

/** `ims plugin install <spec>`. */
export const install: CommandHandler = async (ctx) => {
  const [{ installPlugin }, { createLocalRunner }] = await Promise.all([
    import('../../host/plugin-admin.js'),
    import('../../services/local-runner.js'),
  ]);
  const installed = await installPlugin(ctx.home, createLocalRunner(), ctx.args.positionals[0]!, {
    replace: ctx.args.flags.has('replace'),
  });
  if (ctx.json) {
    ctx.out(jsonDocument(installed));
    return 0;
  }
  // The package's name and version are its author's text.
  ctx.out(
    escapeForDisplay(
      `Installed ${installed.package}@${installed.version} (provider "${installed.provider}") in ${installed.dir}`,
    ),
  );
  for (const replaced of installed.replaced ?? [])
    ctx.out(escapeForDisplay(`Removed ${replaced}, which provided "${installed.provider}" before.`));
  return 0;
};

/** `ims plugin remove <package>`. */
export const remove: CommandHandler = async (ctx) => {
  const [{ removePlugin }, { createLocalRunner }] = await Promise.all([
    import('../../host/plugin-admin.js'),
    import('../../services/local-runner.js'),
  ]);
  const name = ctx.args.positionals[0]!;
  await removePlugin(ctx.home, createLocalRunner(), name);
  if (!ctx.json) ctx.out(`Removed ${name}`);
  else ctx.out(jsonDocument({ removed: name }));
  return 0;
};
