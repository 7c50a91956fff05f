import { type ImsError, isImsError } from '@ims/spi';
import { Type } from '@sinclair/typebox';
import { describe, expect, it } from 'vitest';
import { coerceOption, flagOf, optionSpecs, splitSecrets, validateConfig } from './config-options.js';

const schema = Type.Object(
  {
    uri: Type.String({ default: 'qemu:///system', pattern: '^qemu', description: 'connection URI' }),
    domainType: Type.Union([Type.Literal('kvm'), Type.Literal('qemu')], {
      default: 'kvm',
      description: 'domain type',
    }),
    dom0User: Type.String({ description: 'ssh user' }),
    retries: Type.Optional(Type.Integer({ minimum: 0, maximum: 5, description: 'retries' })),
    verbose: Type.Optional(Type.Boolean({ description: 'verbose' })),
    password: Type.Optional(Type.String({ writeOnly: true, minLength: 8, description: 'password' })),
  },
  { additionalProperties: false },
);

const codeOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    if (isImsError(error)) return error;
    throw error;
  }
  throw new Error('expected a refusal');
};

describe('provider options from a config schema', () => {
  it('turns properties into flags with kinds, choices, defaults, required and secret marks', () => {
    const specs = optionSpecs(schema);
    expect(specs.map((s) => s.flag)).toEqual([
      'uri',
      'domain-type',
      'dom0-user',
      'retries',
      'verbose',
      'password',
    ]);
    expect(specs.find((s) => s.property === 'domainType')).toMatchObject({
      kind: 'enum',
      choices: ['kvm', 'qemu'],
      default: 'kvm',
      required: false,
    });
    expect(specs.find((s) => s.property === 'dom0User')).toMatchObject({ kind: 'string', required: true });
    expect(specs.find((s) => s.property === 'password')).toMatchObject({ secret: true });
    expect(flagOf('defaultMemory')).toBe('default-memory');
  });

  it('coerces flag text to the option type and refuses what does not parse', () => {
    const specs = Object.fromEntries(optionSpecs(schema).map((s) => [s.property, s]));
    expect(coerceOption(specs.retries!, '3')).toBe(3);
    expect(coerceOption(specs.verbose!, true)).toBe(true);
    expect(coerceOption(specs.verbose!, 'false')).toBe(false);
    expect(codeOf(() => coerceOption(specs.retries!, '2.5')).code).toBe('IMS_INVALID_ARGUMENT');
    expect(codeOf(() => coerceOption(specs.retries!, '')).code).toBe('IMS_INVALID_ARGUMENT');
    expect(codeOf(() => coerceOption(specs.domainType!, 'xen')).message).toContain('kvm, qemu');
    expect(codeOf(() => coerceOption(specs.uri!, true)).message).toContain('needs a value');
  });

  it('applies defaults and lists every problem by flag, never echoing secret values', async () => {
    expect(await validateConfig(schema, { dom0User: 'root' }, 'x')).toEqual({
      uri: 'qemu:///system',
      domainType: 'kvm',
      dom0User: 'root',
    });
    const failure = (options: Record<string, unknown>) =>
      validateConfig(schema, options, 'x').then(
        () => expect.unreachable('the options were accepted'),
        (error: unknown) => error as ImsError,
      );
    const error = await failure({ uri: 'http://x', retries: 9, password: 'short-pw' });
    expect(error.code).toBe('IMS_CONFIG_INVALID');
    expect(error.message).toContain('--uri: expected connection URI (got "http://x")');
    expect(error.message).not.toContain('^qemu');
    expect(error.message).toContain('--retries');
    expect(error.message).toContain('--dom0-user');
    const secret = await failure({ dom0User: 'r', password: 'abc' });
    expect(secret.message).toContain('--password');
    expect(secret.message).not.toContain('abc');
    expect((await failure({ dom0User: 'r', bogus: 1 })).code).toBe('IMS_CONFIG_INVALID');
  });

  it('splits secrets from the options kept in state', () => {
    expect(splitSecrets(schema, { dom0User: 'r', password: 'longenough' })).toEqual({
      plain: { dom0User: 'r' },
      secrets: { password: 'longenough' },
    });
  });
});
