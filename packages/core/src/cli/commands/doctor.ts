import { runDoctor } from '../../host/doctor.js';
import type { CommandHandler } from '../command-context.js';
import { jsonDocument, table } from '../output.js';
import { hasFlag } from '../parse-args.js';

/** `ims doctor [--repair]`: exit 1 when any check fails (after repairs, with --repair). */
export const doctor: CommandHandler = async (ctx) => {
  const checks = await runDoctor(await ctx.host(), { repair: hasFlag(ctx.args, 'repair') });
  if (ctx.json) ctx.out(jsonDocument(checks));
  else
    for (const line of table(
      ['CHECK', 'STATUS', 'DETAIL'],
      checks.map((c) => [c.check, c.status, c.detail]),
    ))
      ctx.out(line);
  return checks.some((c) => c.status === 'fail') ? 1 : 0;
};
