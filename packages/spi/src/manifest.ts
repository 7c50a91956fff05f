/** The `ims` field of a provider package's `package.json`, read without importing any provider code. */
export interface ProviderManifest {
  /** Provider id, e.g. `libvirt`: lower-case letters, digits and dashes. */
  provider: string;
  /** Semver range of SPI versions the provider works with, e.g. `^1.0.0`. */
  spi: string;
  /** Path of the entry module relative to the package root, starting with `./`. */
  entry: string;
  /** Human name, e.g. `libvirt / KVM`. */
  displayName?: string;
}

/** The rule for provider ids. */
export const PROVIDER_ID_PATTERN = /^[a-z][a-z0-9-]{0,31}$/;

/** The manifest's JSON Schema, for tools and documentation (the host checks it with {@link checkManifest}). */
export const MANIFEST_JSON_SCHEMA = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: 'https://ims.dev/schemas/provider-manifest-1.json',
  title: 'IMS provider manifest (the "ims" field of package.json)',
  type: 'object',
  required: ['provider', 'spi', 'entry'],
  additionalProperties: false,
  properties: {
    provider: { type: 'string', pattern: PROVIDER_ID_PATTERN.source, description: 'provider id' },
    spi: { type: 'string', minLength: 1, description: 'semver range of supported SPI versions' },
    entry: {
      type: 'string',
      pattern: '^\\./(?!.*(^|/)\\.\\.(/|$)).+\\.(c|m)?js$',
      description: 'entry module',
    },
    displayName: { type: 'string', minLength: 1, maxLength: 80, description: 'human name' },
  },
} as const;

/** One way a manifest is wrong. */
export interface ManifestProblem {
  /** Path of the offending field, e.g. `ims.entry`. */
  field: string;
  /** What was expected. */
  expected: string;
  /** What was found, shortened. */
  received: string;
}

/** Result of {@link checkManifest}. */
export type ManifestCheck =
  | { ok: true; manifest: ProviderManifest }
  | { ok: false; problems: ManifestProblem[] };

const ENTRY_PATTERN = new RegExp(MANIFEST_JSON_SCHEMA.properties.entry.pattern);

function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 60)}…` : text;
}

/**
 * Checks a manifest against {@link MANIFEST_JSON_SCHEMA} (hand-written so that reading manifests
 * costs no schema-library start-up time) and lists every problem.
 */
export function checkManifest(value: unknown): ManifestCheck {
  const problems: ManifestProblem[] = [];
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, problems: [{ field: 'ims', expected: 'an object', received: describeValue(value) }] };
  }
  const record = value as Record<string, unknown>;
  const expectString = (key: string, expected: string, valid: (s: string) => boolean, optional = false) => {
    const v = record[key];
    if (v === undefined && optional) return;
    if (typeof v !== 'string' || !valid(v))
      problems.push({ field: `ims.${key}`, expected, received: describeValue(v) });
  };
  expectString('provider', `a provider id matching ${PROVIDER_ID_PATTERN.source}`, (s) =>
    PROVIDER_ID_PATTERN.test(s),
  );
  expectString('spi', 'a semver range such as "^1.0.0"', (s) => s.trim().length > 0);
  expectString('entry', 'a relative path inside the package such as "./dist/index.js"', (s) =>
    ENTRY_PATTERN.test(s),
  );
  expectString('displayName', 'a string of 1 to 80 characters', (s) => s.length >= 1 && s.length <= 80, true);
  for (const key of Object.keys(record)) {
    if (!(key in MANIFEST_JSON_SCHEMA.properties)) {
      problems.push({
        field: `ims.${key}`,
        expected: 'no such field (provider, spi, entry, displayName)',
        received: describeValue(record[key]),
      });
    }
  }
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, manifest: record as unknown as ProviderManifest };
}
