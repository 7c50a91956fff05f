import { ImsError } from '@ims/spi';
import { coerceOption, type OptionSpec } from '../../host/config-options.js';
import {
  createConfig,
  deleteConfig,
  listConfigs,
  providerOptions,
  showConfig,
  testConfig,
  updateConfig,
} from '../../host/configs.js';
import type { CommandContext, CommandHandler } from '../command-context.js';
import { jsonDocument, table } from '../output.js';
import { checkArity, type FlagSpec, flagString, hasFlag, parseArgs } from '../parse-args.js';

function providerIdFrom(words: readonly string[]): string | undefined {
  for (let i = 0; i < words.length; i += 1) {
    const w = words[i]!;
    if (w === '--') return undefined;
    if (w === '--provider') return words[i + 1];
    if (w.startsWith('--provider=')) return w.slice('--provider='.length);
  }
  return undefined;
}

function optionHelp(
  providerId: string,
  specs: readonly OptionSpec[],
  verb: 'create' | 'update' = 'create',
  name = '<name>',
): string[] {
  const rows = specs.map((s) => {
    const value = s.kind === 'boolean' ? '' : s.kind === 'enum' ? ` ${s.choices.join('|')}` : ` <${s.kind}>`;
    const notes = [
      s.required ? 'required' : '',
      s.default !== undefined ? `default ${JSON.stringify(s.default)}` : '',
      s.secret ? `secret; or --${s.flag}-env VAR` : '',
    ]
      .filter(Boolean)
      .join(', ');
    return [`--${s.flag}${value}`, `${s.description}${notes ? ` (${notes})` : ''}`] as const;
  });
  const width = Math.max(...rows.map(([f]) => f.length));
  return [
    verb === 'create'
      ? `Usage: ims config create ${name} --provider ${providerId} [options]`
      : `Usage: ims config update ${name} [options]   (the given options replace the stored ones)`,
    '',
    `Options of the ${providerId} provider:`,
    ...rows.map(([f, d]) => `  ${f.padEnd(width)}  ${d}`),
  ];
}

function readEnvSecret(variable: string, flag: string): string {
  const value = process.env[variable];
  if (value === undefined || value === '') {
    throw new ImsError(
      'IMS_INVALID_ARGUMENT',
      `--${flag}-env names the environment variable ${variable}, which is not set.`,
      { hint: `Export ${variable} first, e.g. read -rs ${variable} && export ${variable}.` },
    );
  }
  return value;
}

/** The provider options given as flags (`--<option> v`, `--<secret>-env VAR`), parsed and coerced. */
function optionValues(
  words: readonly string[],
  specs: readonly OptionSpec[],
  command: string,
  extra: Record<string, FlagSpec> = {},
) {
  const flagSpecs: Record<string, FlagSpec> = { ...extra };
  for (const s of specs) {
    flagSpecs[s.flag] = { kind: s.kind === 'boolean' ? 'optional' : 'string' };
    if (s.secret) flagSpecs[`${s.flag}-env`] = { kind: 'string' };
  }
  const args = parseArgs(words, flagSpecs, command);
  checkArity(['<name>'], args.positionals, command);
  const options: Record<string, unknown> = {};
  for (const s of specs) {
    const given = args.flags.get(s.flag)?.[0];
    const fromEnv = s.secret ? flagString(args, `${s.flag}-env`) : undefined;
    if (given !== undefined && fromEnv !== undefined) {
      throw new ImsError('IMS_INVALID_ARGUMENT', `Give --${s.flag} or --${s.flag}-env, not both.`, {
        hint: `Prefer --${s.flag}-env: values on the command line are visible to other users.`,
      });
    }
    if (fromEnv !== undefined) options[s.property] = readEnvSecret(fromEnv, s.flag);
    else if (given !== undefined) options[s.property] = coerceOption(s, given);
  }
  return { args, options };
}

/** `ims config create <name> --provider <id> [--<option> <value>]...` */
export const create: CommandHandler = async (ctx) => {
  const providerId = providerIdFrom(ctx.rawWords);
  if (providerId === undefined) {
    if (ctx.help) {
      ctx.out('Usage: ims config create <name> --provider <id> [--<option> <value>]...');
      ctx.out(
        'Add --provider <id> --help to list the options of a provider (`ims plugins` lists the providers).',
      );
      return 0;
    }
    throw new ImsError('IMS_INVALID_ARGUMENT', '`ims config create` needs --provider <id>.', {
      hint: 'See `ims plugins` for the installed providers.',
    });
  }
  const host = await ctx.host();
  const { plugin, specs } = await providerOptions(host, providerId);
  if (ctx.help) {
    for (const line of optionHelp(plugin.id, specs)) ctx.out(line);
    return 0;
  }
  const { args, options } = optionValues(ctx.rawWords, specs, 'config create', {
    provider: { kind: 'string' },
  });
  const view = await createConfig(host, args.positionals[0]!, plugin.id, options);
  if (ctx.json) ctx.out(jsonDocument(view));
  else ctx.out(`Created configuration "${view.name}" (provider ${view.provider}).`);
  return 0;
};

/** `ims config update <name> [--<option> <value>]...` */
export const update: CommandHandler = async (ctx) => {
  const name = ctx.rawWords[0];
  if (name === undefined || name.startsWith('-')) {
    if (ctx.help) {
      ctx.out('Usage: ims config update <name> [--<option> <value>]...');
      ctx.out('Add --help after the name to list the options of its provider.');
      return 0;
    }
    throw new ImsError('IMS_INVALID_ARGUMENT', '`ims config update` needs the configuration name first.', {
      hint: 'ims config update <name> --<option> <value> (see `ims config list`).',
    });
  }
  const host = await ctx.host();
  const record = await host.config(name);
  const { plugin, specs } = await providerOptions(host, record.provider);
  if (ctx.help) {
    for (const line of optionHelp(plugin.id, specs, 'update', name)) ctx.out(line);
    return 0;
  }
  const { args, options } = optionValues(ctx.rawWords, specs, 'config update');
  if (Object.keys(options).length === 0) {
    throw new ImsError('IMS_INVALID_ARGUMENT', `Nothing to change in "${name}": give at least one option.`, {
      hint: `ims config update ${name} --help lists the options of the ${plugin.id} provider.`,
    });
  }
  const view = await updateConfig(host, args.positionals[0]!, options);
  if (ctx.json) ctx.out(jsonDocument(view));
  else ctx.out(`Updated configuration "${view.name}" (${Object.keys(options).sort().join(', ')}).`);
  return 0;
};

/** `ims config list` */
export const list: CommandHandler = async (ctx) => {
  const views = await listConfigs(await ctx.host());
  if (ctx.json) ctx.out(jsonDocument(views));
  else if (views.length === 0)
    ctx.err('No configurations. Create one with `ims config create <name> --provider <id>`.');
  else
    for (const line of table(
      ['NAME', 'PROVIDER', 'TEMPLATES', 'VMS', 'CREATED'],
      views.map((v) => [v.name, v.provider, String(v.templates), String(v.vms), v.createdAt]),
    ))
      ctx.out(line);
  return 0;
};

function printView(ctx: CommandContext, view: Awaited<ReturnType<typeof showConfig>>): void {
  ctx.out(`name:      ${view.name}`);
  ctx.out(`provider:  ${view.provider}`);
  ctx.out(`created:   ${view.createdAt}`);
  ctx.out(`templates: ${view.templates}`);
  ctx.out(`vms:       ${view.vms}`);
  ctx.out('options:');
  for (const [k, v] of Object.entries(view.options).sort(([a], [b]) => a.localeCompare(b)))
    ctx.out(`  ${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`);
}

/** `ims config show <name>` */
export const show: CommandHandler = async (ctx) => {
  const view = await showConfig(await ctx.host(), ctx.args.positionals[0]!);
  if (ctx.json) ctx.out(jsonDocument(view));
  else printView(ctx, view);
  return 0;
};

/** `ims config test <name>` */
export const test: CommandHandler = async (ctx) => {
  const info = await testConfig(await ctx.host(), ctx.args.positionals[0]!);
  if (ctx.json) ctx.out(jsonDocument(info));
  else {
    ctx.out(`${info.config}: ${info.hypervisor} ${info.version} (provider ${info.provider})`);
    for (const [k, v] of Object.entries(info.details ?? {})) ctx.out(`  ${k}: ${v}`);
  }
  return 0;
};

/** `ims config delete <name> [--force]` */
export const remove: CommandHandler = async (ctx) => {
  const name = ctx.args.positionals[0]!;
  const deleted = await deleteConfig(await ctx.host(), name, { force: hasFlag(ctx.args, 'force') });
  if (ctx.json) ctx.out(jsonDocument(deleted));
  else {
    for (const vm of deleted.vms) ctx.out(`Deleted VM "${vm}".`);
    for (const template of deleted.templates) ctx.out(`Deleted template "${template}".`);
    ctx.out(`Deleted configuration "${name}".`);
  }
  return 0;
};
