import { ImsError } from './errors.js';

/** The rule for configuration, template and VM names: safe in file names, URLs, shells and XML. */
export const NAME_PATTERN = /^[a-zA-Z0-9][a-zA-Z0-9._-]{0,62}$/;

/** What kind of thing a name names, for messages. */
export type NamedKind = 'configuration' | 'template' | 'vm';

/** Returns the name if it is valid, else throws `IMS_INVALID_NAME` saying what is wrong. */
export function assertValidName(kind: NamedKind, name: unknown): string {
  if (typeof name === 'string' && NAME_PATTERN.test(name)) return name;
  const shown =
    typeof name === 'string'
      ? JSON.stringify(name.length > 80 ? `${name.slice(0, 80)}…` : name)
      : String(name);
  let why = 'it must start with a letter or digit and contain only letters, digits, ".", "_" and "-"';
  if (typeof name !== 'string' || name.length === 0) why = 'it is empty';
  else if (name.length > 63) why = `it is ${name.length} characters long; the limit is 63`;
  throw new ImsError('IMS_INVALID_NAME', `Invalid ${kind} name ${shown}: ${why}.`, {
    hint: 'Use 1 to 63 characters from [a-zA-Z0-9._-], starting with a letter or digit.',
    details: { kind },
  });
}
