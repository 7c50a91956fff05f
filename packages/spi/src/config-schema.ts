/**
 * The TypeBox builders a provider's configuration schema is made of, without the rest of TypeBox.
 * A provider's module builds its schema when it is imported, which is on every command that uses
 * the provider: these builders load in about a fifth of the time TypeBox's whole `Type` takes.
 * `Schema.Object(...)` is `Type.Object(...)`: the same functions, the same schemas. For builders
 * not listed here, use `Type` from `@ims/spi/schema`.
 */
import {
  Array as ArrayBuilder,
  Boolean as BooleanBuilder,
  Integer as IntegerBuilder,
  Literal as LiteralBuilder,
  Null as NullBuilder,
  Number as NumberBuilder,
  Object as ObjectBuilder,
  Optional as OptionalBuilder,
  String as StringBuilder,
  Union as UnionBuilder,
} from '@sinclair/typebox';

export type { Static, TObject, TSchema } from '@sinclair/typebox';

/** TypeBox's builders for option schemas: objects of strings, numbers, booleans, enums, arrays. */
export const Schema = {
  Array: ArrayBuilder,
  Boolean: BooleanBuilder,
  Integer: IntegerBuilder,
  Literal: LiteralBuilder,
  Null: NullBuilder,
  Number: NumberBuilder,
  Object: ObjectBuilder,
  Optional: OptionalBuilder,
  String: StringBuilder,
  Union: UnionBuilder,
} as const;
