import { Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { describe, expect, it } from 'vitest';
import { Schema } from './config-schema.js';

const build = (t: typeof Schema) =>
  t.Object(
    {
      uri: t.String({ default: 'qemu:///system', description: 'URI' }),
      kind: t.Union([t.Literal('kvm'), t.Literal('qemu')]),
      port: t.Optional(t.Integer({ minimum: 1, maximum: 65535 })),
      ratio: t.Number(),
      on: t.Boolean(),
      tags: t.Array(t.String()),
      none: t.Null(),
    },
    { additionalProperties: false },
  );

describe('Schema (the builders of option schemas)', () => {
  it('builds exactly what TypeBox’s Type builds, symbols included', () => {
    const light = build(Schema);
    const full = build(Type as unknown as typeof Schema);
    expect(light).toStrictEqual(full);
    expect(JSON.stringify(light)).toBe(JSON.stringify(full));
    expect(Object.getOwnPropertySymbols(light.properties.port).length).toBeGreaterThan(0);
  });

  it('gives schemas TypeBox’s validator checks', () => {
    const schema = build(Schema);
    const good = { uri: 'x', kind: 'qemu', ratio: 1.5, on: true, tags: ['a'], none: null };
    expect(Value.Check(schema, good)).toBe(true);
    expect(Value.Check(schema, { ...good, kind: 'xen' })).toBe(false);
    expect(Value.Check(schema, { ...good, port: 0 })).toBe(false);
    expect(Value.Check(schema, { ...good, extra: 1 })).toBe(false);
  });
});
