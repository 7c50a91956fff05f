import { runDoctor } from '../../host/doctor.js';
import type { CommandHandler } from '../command-context.js';
import { jsonDocument, table } from '../output.js';
import { hasFlag } from '../parse-args.js';
import { EXIT_CODES } from '../report-error.js';

/** `ims doctor [--repair]`: exit 4 when a plugin check fails, else 1 when any check fails (after repairs, with --repair). */
export const doctor: CommandHandler = async (ctx) => {
  const checks = await runDoctor(await ctx.host(), { repair: hasFlag(ctx.args, 'repair') });
  if (ctx.json) ctx.out(jsonDocument(checks));
  else
    for (const line of table(
      ['CHECK', 'STATUS', 'DETAIL'],
      checks.map((c) => [c.check, c.status, c.detail]),
    ))
      ctx.out(line);
  const failed = checks.filter((c) => c.status === 'fail');
  if (failed.some((c) => c.check === 'plugins' || c.check.startsWith('plugin '))) return EXIT_CODES.plugin;
  return failed.length > 0 ? EXIT_CODES.failed : 0;
};
