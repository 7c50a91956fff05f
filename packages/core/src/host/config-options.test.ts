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

  it('refuses a URL carrying a password in a non-secret option, without echoing the password', async () => {
    const failure = (options: Record<string, unknown>) =>
      validateConfig(schema, options, 'x').then(
        () => expect.unreachable('the options were accepted'),
        (error: unknown) => error as ImsError,
      );
    for (const uri of [
      'qemu+ssh://admin:Sup3r-S3cret@kvm.example/system',
      'qemu+ssh://:Sup3r-S3cret@kvm.example/system',
      'qemu+ssh://admin:Sup3r%2DS3cret@kvm.example/system',
    ]) {
      const error = await failure({ dom0User: 'r', uri });
      expect(error.code).toBe('IMS_CONFIG_INVALID');
      expect(error.message).toContain('--uri');
      expect(error.message).toContain('password');
      expect(error.hint).toContain('--password-env');
      const everything = JSON.stringify({
        m: error.message,
        h: error.hint,
        d: error.details,
        c: error.cause,
      });
      expect(everything).not.toContain('S3cret');
    }
    // Even in another option, and whatever the schema says about it: the value is what is stored.
    expect((await failure({ dom0User: 'ftp://u:Sup3r-S3cret@h/' })).message).toContain('--dom0-user');
    // A user name alone is no secret (qemu+ssh://root@host is how libvirt reaches a remote host).
    expect(
      await validateConfig(schema, { dom0User: 'r', uri: 'qemu+ssh://root@kvm.example/system' }, 'x'),
    ).toMatchObject({
      uri: 'qemu+ssh://root@kvm.example/system',
    });
  });

  it('splits secrets from the options kept in state', () => {
    expect(splitSecrets(schema, { dom0User: 'r', password: 'longenough' })).toEqual({
      plain: { dom0User: 'r' },
      secrets: { password: 'longenough' },
    });
  });
});
