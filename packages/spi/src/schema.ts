/**
 * The schema library for provider configuration: TypeBox, whose schemas are plain JSON Schema,
 * so the host can validate options and turn each property into a CLI flag with help text.
 * Import it from here so host and providers agree on one version.
 */

export type { Static, TObject, TSchema } from '@sinclair/typebox';
export { Type } from '@sinclair/typebox';
