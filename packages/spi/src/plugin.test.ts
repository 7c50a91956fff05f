import { describe, expect, it } from 'vitest';
import { defineProvider, isProviderPlugin, pluginShapeProblems } from './plugin.js';

const caps = {
  suspend: false,
  metrics: false,
  guestAddresses: false,
  unmanagedVms: false,
  templateDelete: false,
};

describe('defineProvider', () => {
  it('makes a frozen, branded plugin object', () => {
    const plugin = defineProvider({
      id: 'x',
      spi: '^1.0.0',
      configSchema: { type: 'object', properties: {} } as never,
      capabilities: caps,
      create: () => ({}) as never,
    });
    expect(isProviderPlugin(plugin)).toBe(true);
    expect(Object.isFrozen(plugin)).toBe(true);
  });

  it('lists what a duck-typed object lacks', () => {
    const problems = pluginShapeProblems({
      id: 'x',
      spi: '^1.0.0',
      configSchema: { type: 'string' },
      capabilities: { suspend: 'yes' },
      create: 1,
    });
    expect(problems.join('\n')).toMatch(/defineProvider/);
    expect(problems.join('\n')).toMatch(/create: expected a function/);
    expect(problems.join('\n')).toMatch(/configSchema/);
    expect(problems.join('\n')).toMatch(/capabilities.suspend: expected a boolean/);
    expect(pluginShapeProblems(null)).toEqual(['expected an object, got null']);
  });
});
