/**
 * Hand-written shape checks for the state documents. They run on every load, so they stay
 * dependency-free (no schema library on the CLI's start-up path).
 */

/** Thrown inside a check to stop at the first problem; never escapes this module. */
class ShapeProblem extends Error {}

/** True for a non-null, non-array object. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Runs a check and turns its first problem into a sentence, or `undefined` when the shape is right. */
export function firstProblem(check: () => void): string | undefined {
  try {
    check();
    return undefined;
  } catch (error) {
    if (error instanceof ShapeProblem) return error.message;
    throw error;
  }
}

/** `at.key`, or `at["key"]` when the key would be ambiguous after a dot. */
export function childPath(at: string, key: string | number): string {
  if (typeof key === 'number') return `${at}[${key}]`;
  return /^[A-Za-z0-9_-]+$/.test(key) ? `${at}.${key}` : `${at}[${JSON.stringify(key)}]`;
}

/** Stops the running check with "`at` must be `expected`". */
export function fail(at: string, expected: string): never {
  throw new ShapeProblem(`${at} must be ${expected}`);
}

/** Asserts an object and returns it. */
export function objectAt(value: unknown, at: string): Record<string, unknown> {
  if (!isPlainObject(value)) fail(at, 'an object');
  return value;
}

/** Asserts an array and returns it. */
export function arrayAt(value: unknown, at: string): unknown[] {
  if (!Array.isArray(value)) fail(at, 'an array');
  return value;
}

/** Asserts a string. */
export function stringAt(value: unknown, at: string): string {
  if (typeof value !== 'string') fail(at, 'a string');
  return value;
}

/** Asserts a finite number. */
export function numberAt(value: unknown, at: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) fail(at, 'a number');
  return value;
}

/** Asserts an array of strings. */
export function stringArrayAt(value: unknown, at: string): void {
  arrayAt(value, at).forEach((item, index) => {
    stringAt(item, childPath(at, index));
  });
}

/** Asserts an object whose values are all strings. */
export function stringMapAt(value: unknown, at: string): void {
  for (const [key, item] of Object.entries(objectAt(value, at))) stringAt(item, childPath(at, key));
}

/** Asserts that a record's `name` equals the key it is stored under. */
export function nameMatchesKey(record: Record<string, unknown>, key: string, at: string): void {
  if (stringAt(record.name, childPath(at, 'name')) !== key)
    fail(childPath(at, 'name'), `${JSON.stringify(key)}`);
}
