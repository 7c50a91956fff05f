import { ImsError } from '@ims/spi';
import type { TObject, TSchema } from '@ims/spi/schema';
import { importModule } from '../import-module.js';

/** One provider option as the CLI offers it, derived from the provider's config schema. */
export interface OptionSpec {
  /** Property name in the schema (`domainType`). */
  property: string;
  /** Flag name without dashes (`domain-type`). */
  flag: string;
  /** Value kind. */
  kind: 'string' | 'integer' | 'number' | 'boolean' | 'enum';
  /** Allowed values of an enum. */
  choices: string[];
  /** Help text. */
  description: string;
  /** Default value, if any. */
  default: unknown;
  /** Must be given (no default). */
  required: boolean;
  /** A secret (`writeOnly`): stored in secrets.json, never shown. */
  secret: boolean;
}

/** `domainType` → `domain-type`, `dom0User` → `dom0-user`. */
export function flagOf(property: string): string {
  return property.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();
}

function literalChoices(schema: TSchema): string[] {
  const options = (schema.anyOf ?? schema.enum?.map((v: unknown) => ({ const: v }))) as
    | { const?: unknown }[]
    | undefined;
  if (!Array.isArray(options)) return [];
  return options.every((o) => typeof o.const === 'string') ? options.map((o) => o.const as string) : [];
}

/** The options of a provider's config schema, in declaration order. */
export function optionSpecs(schema: TObject): OptionSpec[] {
  const required = new Set(schema.required ?? []);
  return Object.entries(schema.properties).map(([property, prop]) => {
    const choices = literalChoices(prop);
    const type = prop.type as string | undefined;
    const kind: OptionSpec['kind'] =
      choices.length > 0
        ? 'enum'
        : type === 'integer' || type === 'number' || type === 'boolean'
          ? type
          : 'string';
    return {
      property,
      flag: flagOf(property),
      kind,
      choices,
      description: typeof prop.description === 'string' ? prop.description : '',
      default: prop.default,
      required: required.has(property) && prop.default === undefined,
      secret: prop.writeOnly === true,
    };
  });
}

function invalid(message: string, hint: string): ImsError {
  return new ImsError('IMS_INVALID_ARGUMENT', message, { hint });
}

/** Turns one flag's text into the option's type; refuses what does not parse. */
export function coerceOption(spec: OptionSpec, text: string | true): unknown {
  const name = `--${spec.flag}`;
  if (spec.kind === 'boolean') {
    if (text === true || text === 'true') return true;
    if (text === 'false') return false;
    throw invalid(
      `${name} takes true or false, not ${JSON.stringify(text)}.`,
      `Write ${name} or ${name}=false.`,
    );
  }
  if (text === true) throw invalid(`${name} needs a value.`, `Write ${name} <value>.`);
  if (spec.kind === 'integer' || spec.kind === 'number') {
    const value = Number(text);
    const ok =
      text.trim() !== '' && Number.isFinite(value) && (spec.kind === 'number' || Number.isInteger(value));
    if (!ok)
      throw invalid(
        `${name} takes ${spec.kind === 'integer' ? 'a whole number' : 'a number'}, not ${JSON.stringify(text)}.`,
        `Example: ${name} ${String(spec.default ?? 1)}`,
      );
    return value;
  }
  if (spec.kind === 'enum' && !spec.choices.includes(text)) {
    throw invalid(
      `${name} must be one of ${spec.choices.join(', ')}, not ${JSON.stringify(text)}.`,
      `Example: ${name} ${spec.choices[0] ?? ''}`,
    );
  }
  return text;
}

/** `scheme://user:password@...`: the userinfo of a URL, when it holds a password (a `:`). */
const URL_WITH_PASSWORD = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#@]*:[^/?#]*@/;

/**
 * Refuses a password inside a URL given to an option that is not secret (`https://u:p@manager/`):
 * such options are stored in clear in state.json and shown by `ims config show`. Checked on the
 * value, for every option, whatever the schema says it is. The error names the flag, never the value.
 */
function refusePasswordsInUrls(schema: TObject, options: Record<string, unknown>, provider: string): void {
  const specs = optionSpecs(schema);
  const secretFlags = specs.filter((s) => s.secret).map((s) => `--${s.flag}-env VAR`);
  const offending = specs
    .filter((s) => !s.secret)
    .filter((s) => {
      const value = options[s.property];
      return typeof value === 'string' && URL_WITH_PASSWORD.test(value.trim());
    })
    .map((s) => `--${s.flag}`);
  if (offending.length === 0) return;
  const problems = offending.map((flag) => `${flag}: the URL carries a password (user:password@)`);
  throw new ImsError(
    'IMS_CONFIG_INVALID',
    `Invalid options for the ${provider} provider: ${problems.join('; ')}; options other than secrets are stored in clear in state.json.`,
    {
      hint:
        secretFlags.length > 0
          ? `Remove the password from the URL and give it with ${secretFlags.join(' or ')}.`
          : 'Remove the password from the URL; this provider takes no password option.',
      details: { provider, problems },
    },
  );
}

/**
 * Applies the schema's defaults and checks the options against it; every problem is listed as
 * `--flag: what is wrong`. Returns the complete, typed options.
 */
export async function validateConfig(
  schema: TObject,
  options: Record<string, unknown>,
  provider: string,
): Promise<Record<string, unknown>> {
  // Before the schema check, whose messages quote the values of options that are not secret.
  refusePasswordsInUrls(schema, options, provider);
  // Loaded on demand: everyday commands use options validated when they were written.
  const { Value } = await importModule<typeof import('@ims/spi/schema-value')>('@ims/spi/schema-value');
  const value = Value.Default(schema, structuredClone(options)) as Record<string, unknown>;
  if (Value.Check(schema, value)) return value;
  const specs = new Map(optionSpecs(schema).map((s) => [s.property, s]));
  const problems = [...Value.Errors(schema, value)].map((e) => {
    const property = e.path.split('/')[1] ?? '';
    const spec = specs.get(property);
    const shown = spec?.secret
      ? ''
      : e.value === undefined
        ? ' (missing)'
        : ` (got ${JSON.stringify(e.value)})`;
    const flag = spec ? `--${spec.flag}` : property ? `"${property}"` : 'options';
    // A pattern says nothing to a reader; the option's description says what it must be.
    const { pattern, description } = e.schema as { pattern?: unknown; description?: unknown };
    const missesPattern =
      typeof pattern === 'string' && typeof e.value === 'string' && !new RegExp(pattern).test(e.value);
    const what = missesPattern && typeof description === 'string' ? `expected ${description}` : e.message;
    return `${flag}: ${what}${shown}`;
  });
  const unique = [...new Set(problems)];
  throw new ImsError(
    'IMS_CONFIG_INVALID',
    `Invalid options for the ${provider} provider: ${unique.join('; ')}.`,
    {
      hint: `See \`ims config create <name> --provider ${provider} --help\` for the options.`,
      details: { provider, problems: unique },
    },
  );
}

/** Splits validated options into the ones kept in state.json and the secrets. */
export function splitSecrets(
  schema: TObject,
  options: Record<string, unknown>,
): { plain: Record<string, unknown>; secrets: Record<string, string> } {
  const secretProps = new Set(
    optionSpecs(schema)
      .filter((s) => s.secret)
      .map((s) => s.property),
  );
  const plain: Record<string, unknown> = {};
  const secrets: Record<string, string> = {};
  for (const [key, value] of Object.entries(options)) {
    if (secretProps.has(key)) secrets[key] = String(value);
    else plain[key] = value;
  }
  return { plain, secrets };
}
