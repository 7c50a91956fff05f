/**
 * The schema library for provider configuration: TypeBox, whose schemas are plain JSON Schema,
 * so the host can validate options and turn each property into a CLI flag with help text.
 * Import it from here so host and providers agree on one version — and load it once: the
 * package ships this module pre-bundled (`dist/schema-bundle/`), and the host's CLI bundle and
 * provider bundles leave `@ims/spi/schema` external, so one process parses TypeBox one time.
 */

export type { Static, TObject, TSchema } from '@sinclair/typebox';
export { Type } from '@sinclair/typebox';
