import { deleteTemplate, importTemplate, listTemplates } from '../../host/templates.js';
import type { CommandHandler } from '../command-context.js';
import { formatBytes, jsonDocument, table } from '../output.js';
import { flagString } from '../parse-args.js';

/** `ims template import <config> <source> [--name N]` */
export const importCommand: CommandHandler = async (ctx) => {
  const [config, source] = ctx.args.positionals as [string, string];
  const name = flagString(ctx.args, 'name');
  const view = await importTemplate(await ctx.host(), config, source, name === undefined ? {} : { name });
  if (ctx.json) ctx.out(jsonDocument(view));
  else
    ctx.out(
      `Imported template "${view.name}" into ${view.config}${view.sizeBytes !== undefined ? ` (${formatBytes(view.sizeBytes)})` : ''}.`,
    );
  return 0;
};

/** `ims template list [<config>]` */
export const list: CommandHandler = async (ctx) => {
  const views = await listTemplates(await ctx.host(), ctx.args.positionals[0]);
  if (ctx.json) ctx.out(jsonDocument(views));
  else if (views.length === 0)
    ctx.err('No templates. Import one with `ims template import <config> <file.tgz>`.');
  else {
    const rows = views.map((t) => [
      t.config,
      t.name,
      t.os ?? '-',
      t.sizeBytes === undefined ? '-' : formatBytes(t.sizeBytes),
      t.importedAt,
    ]);
    for (const line of table(['CONFIG', 'NAME', 'OS', 'SIZE', 'IMPORTED'], rows)) ctx.out(line);
  }
  return 0;
};

/** `ims template delete <config> <name>` */
export const remove: CommandHandler = async (ctx) => {
  const [config, name] = ctx.args.positionals as [string, string];
  const { rolledBack } = await deleteTemplate(await ctx.host(), config, name);
  if (ctx.json) ctx.out(jsonDocument({ deleted: name, config, ...(rolledBack ? { rolledBack } : {}) }));
  else
    ctx.out(
      `Deleted template "${name}" from ${config}${rolledBack ? ' (its interrupted import was rolled back)' : ''}.`,
    );
  return 0;
};
