import { randomBytes } from 'node:crypto';
import { childPath, firstProblem, objectAt, stringMapAt } from './shape.js';
import { redactedJsonError, stateCorruptError, stateTooNewError } from './state-errors.js';
import type { SecretsById } from './store.js';

/** The `secrets.json` format version this IMS writes; version 1 is read and rewritten as 2. */
export const CURRENT_SECRETS_VERSION = 2;

/**
 * A fresh secrets id: 128 random bits, so an id is never reused and a new configuration can never
 * name an entry left by an older one.
 */
export function newSecretsId(): string {
  return randomBytes(16).toString('hex');
}

/**
 * The secrets id a configuration stored before version 2 gets: version 1 keyed `secrets.json` by
 * configuration name. Derived (not random) so a version-1 `state.json` and a version-1
 * `secrets.json` agree whichever of the two is rewritten first. The colon keeps it apart from
 * random ids (hex) and configuration names cannot contain one.
 */
export function legacySecretsId(configName: string): string {
  return `v1:${configName}`;
}

/** The first way `entries` is not a valid secrets map, or `undefined`. Names keys only, never values. */
export function secretsProblem(entries: unknown, at = 'entries'): string | undefined {
  return firstProblem(() => {
    for (const [id, secrets] of Object.entries(objectAt(entries, at))) {
      stringMapAt(secrets, childPath(at, id));
    }
  });
}

/**
 * Parses `secrets.json` text, version 1 (keyed by configuration name) or 2 (keyed by secrets id).
 * Errors never quote the text: it holds passwords.
 * Throws `IMS_STATE_TOO_NEW` or `IMS_STATE_CORRUPT`.
 */
export function loadSecretsDocument(text: string, path: string): SecretsById {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (error) {
    // No `cause`: V8's message quotes part of the text.
    throw stateCorruptError(path, redactedJsonError(error));
  }
  const problem = firstProblem(() => objectAt(doc, 'the document'));
  if (problem !== undefined) throw stateCorruptError(path, problem);
  const { version, configs, entries } = doc as { version?: unknown; configs?: unknown; entries?: unknown };
  if (typeof version !== 'number' || !Number.isSafeInteger(version) || version < 1) {
    throw stateCorruptError(path, '"version" is not a positive integer');
  }
  if (version > CURRENT_SECRETS_VERSION) throw stateTooNewError(path, version, CURRENT_SECRETS_VERSION);
  if (version === 1) {
    const shapeProblem = secretsProblem(configs, 'configs');
    if (shapeProblem !== undefined) throw stateCorruptError(path, shapeProblem);
    return Object.fromEntries(
      Object.entries(configs as SecretsById).map(([name, secrets]) => [legacySecretsId(name), secrets]),
    );
  }
  const shapeProblem = secretsProblem(entries);
  if (shapeProblem !== undefined) throw stateCorruptError(path, shapeProblem);
  return entries as SecretsById;
}

/** The `secrets.json` text for `entries`. */
export function serializeSecrets(entries: SecretsById): string {
  return `${JSON.stringify({ version: CURRENT_SECRETS_VERSION, entries }, null, 2)}\n`;
}
