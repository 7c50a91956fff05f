import { childPath, firstProblem, objectAt, stringMapAt } from './shape.js';
import { redactedJsonError, stateCorruptError, stateTooNewError } from './state-errors.js';
import type { SecretsByConfig } from './store.js';

/** The `secrets.json` format version this IMS writes and reads. */
export const CURRENT_SECRETS_VERSION = 1;

/** The first way `all` is not a valid secrets map, or `undefined`. Names keys only, never values. */
export function secretsProblem(all: unknown): string | undefined {
  return firstProblem(() => {
    for (const [config, secrets] of Object.entries(objectAt(all, 'configs'))) {
      stringMapAt(secrets, childPath('configs', config));
    }
  });
}

/**
 * Parses `secrets.json` text. Errors never quote the text: it holds passwords.
 * Throws `IMS_STATE_TOO_NEW` or `IMS_STATE_CORRUPT`.
 */
export function loadSecretsDocument(text: string, path: string): SecretsByConfig {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (error) {
    // No `cause`: V8's message quotes part of the text.
    throw stateCorruptError(path, redactedJsonError(error));
  }
  const problem = firstProblem(() => objectAt(doc, 'the document'));
  if (problem !== undefined) throw stateCorruptError(path, problem);
  const { version, configs } = doc as { version?: unknown; configs?: unknown };
  if (typeof version !== 'number' || !Number.isSafeInteger(version) || version < 1) {
    throw stateCorruptError(path, '"version" is not a positive integer');
  }
  if (version > CURRENT_SECRETS_VERSION) throw stateTooNewError(path, version, CURRENT_SECRETS_VERSION);
  const shapeProblem = secretsProblem(configs);
  if (shapeProblem !== undefined) throw stateCorruptError(path, shapeProblem);
  return configs as SecretsByConfig;
}

/** The `secrets.json` text for `all`. */
export function serializeSecrets(all: SecretsByConfig): string {
  return `${JSON.stringify({ version: CURRENT_SECRETS_VERSION, configs: all }, null, 2)}\n`;
}
