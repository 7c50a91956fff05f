/**
 * TypeBox's value functions (check, defaults, errors) for the host's validation of provider
 * options. Separate from `@ims/spi/schema` because providers only build schemas, and loading the
 * validator costs time on every command that would not need it.
 */

/** Validation, defaults and error reporting of values against a schema. */
export { Value } from '@sinclair/typebox/value';
