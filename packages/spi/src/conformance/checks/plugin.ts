import assert from 'node:assert/strict';
import { PROVIDER_ID_PATTERN } from '../../manifest.js';
import { CAPABILITY_KEYS, isProviderPlugin, pluginShapeProblems } from '../../plugin.js';
import type { ConformanceSettings } from '../options.js';
import type { ConformanceCheck } from '../state.js';

function checkConfigSchema(schema: unknown) {
  assert.ok(typeof schema === 'object' && schema !== null, 'configSchema is not an object');
  const { type, properties } = schema as { type?: unknown; properties?: unknown };
  assert.equal(type, 'object', 'configSchema.type must be "object"');
  if (properties === undefined) return;
  assert.ok(
    typeof properties === 'object' && properties !== null,
    'configSchema.properties is not an object',
  );
  for (const [key, property] of Object.entries(properties)) {
    const description = (property as { description?: unknown } | null)?.description;
    assert.ok(
      typeof description === 'string' && description.length > 0,
      `configSchema.properties.${key} has no description; the CLI shows it as the flag's help`,
    );
  }
}

/** The plugin object and `describe()`. */
export function pluginChecks(settings: ConformanceSettings): ConformanceCheck[] {
  return [
    {
      id: 'plugin-shape',
      title:
        'the plugin is branded by defineProvider(), with a valid id, boolean capabilities and an object config schema',
      timeoutMs: settings.operationMs,
      async run({ fixture: { plugin } }) {
        assert.ok(
          isProviderPlugin(plugin),
          `not a provider plugin: ${pluginShapeProblems(plugin).join('; ')}`,
        );
        assert.ok(
          PROVIDER_ID_PATTERN.test(plugin.id),
          `id ${JSON.stringify(plugin.id)} does not match ${PROVIDER_ID_PATTERN}`,
        );
        assert.ok(plugin.spi.trim().length > 0, 'spi range is empty');
        for (const key of CAPABILITY_KEYS) {
          assert.equal(typeof plugin.capabilities[key], 'boolean', `capabilities.${key} is not a boolean`);
        }
        checkConfigSchema(plugin.configSchema);
        return undefined;
      },
    },
    {
      id: 'describe',
      title: 'describe() reports a non-empty hypervisor and version',
      timeoutMs: settings.operationMs,
      async run({ fixture: { provider } }) {
        const info = await provider.describe();
        assert.ok(
          typeof info.hypervisor === 'string' && info.hypervisor.length > 0,
          'describe().hypervisor is empty',
        );
        assert.ok(typeof info.version === 'string' && info.version.length > 0, 'describe().version is empty');
        for (const [key, value] of Object.entries(info.details ?? {})) {
          assert.equal(typeof value, 'string', `describe().details.${key} is not a string`);
        }
        return undefined;
      },
    },
  ];
}
