/** How long a provider's entry may take to import when nothing says otherwise. */
export const DEFAULT_PLUGIN_TIMEOUT_MS = 10_000;

/**
 * The time limit on importing a provider's entry: `IMS_PLUGIN_TIMEOUT_MS`, else 10 s. Our providers
 * load in well under 100 ms; the limit only has to end a plugin that never finishes loading.
 */
export function pluginTimeoutMs(env: NodeJS.ProcessEnv = process.env): number {
  const value = Number(env.IMS_PLUGIN_TIMEOUT_MS);
  return Number.isSafeInteger(value) && value > 0 ? value : DEFAULT_PLUGIN_TIMEOUT_MS;
}

/** `1.5 s`, `10 s`. */
export function formatSeconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(3))} s`;
}
