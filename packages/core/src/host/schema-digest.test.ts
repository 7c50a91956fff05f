import { Type } from '@ims/spi/schema';
import { describe, expect, it } from 'vitest';
import { schemaDigest } from './schema-digest.js';

describe('schemaDigest', () => {
  const schema = Type.Object({ uri: Type.String({ default: 'qemu:///system' }) });

  it('is stable for the same schema and 16 hex digits', () => {
    const again = Type.Object({ uri: Type.String({ default: 'qemu:///system' }) });
    expect(schemaDigest(schema)).toMatch(/^[0-9a-f]{16}$/);
    expect(schemaDigest(again)).toBe(schemaDigest(schema));
  });

  it('changes when a default, a rule or an option changes', () => {
    const digests = new Set([
      schemaDigest(schema),
      schemaDigest(Type.Object({ uri: Type.String({ default: 'qemu:///session' }) })),
      schemaDigest(Type.Object({ uri: Type.String({ default: 'qemu:///system', minLength: 3 }) })),
      schemaDigest(Type.Object({ url: Type.String({ default: 'qemu:///system' }) })),
    ]);
    expect(digests.size).toBe(4);
  });
});
