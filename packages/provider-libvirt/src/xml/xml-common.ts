import { ImsError } from '@ims/spi';
import { type EntityDecoderOptions, XMLBuilder, XMLParser, XMLValidator } from 'fast-xml-parser';

/** A parsed XML element as fast-xml-parser represents it: attributes under `@_name`, text under `#text`. */
export type XmlNode = Record<string, unknown>;

/** Prefix of attribute keys in built and parsed objects. */
const ATTRIBUTE_PREFIX = '@_';

/** Key of an element's text in built and parsed objects. */
const TEXT_KEY = '#text';

const builder = new XMLBuilder({
  ignoreAttributes: false,
  attributeNamePrefix: ATTRIBUTE_PREFIX,
  textNodeName: TEXT_KEY,
  format: true,
  indentBy: '  ',
  suppressEmptyNode: true,
  processEntities: true,
});

const PREDEFINED_ENTITIES: ReadonlyMap<string, string> = new Map([
  ['amp', '&'],
  ['apos', "'"],
  ['gt', '>'],
  ['lt', '<'],
  ['quot', '"'],
]);

const ENTITY_REFERENCE = /&(?:#(\d{1,7})|#x([0-9a-fA-F]{1,6})|([a-z]+));/g;

/**
 * Decodes the five predefined entities and character references (libxml2 writes `&#10;` in
 * attributes). Entities a DOCTYPE declares are never expanded: libvirt sends none, and expanding
 * them is how entity-bomb documents work.
 */
function xmlEntityDecoder(): EntityDecoderOptions {
  const ignore = () => {};
  return {
    setExternalEntities: ignore,
    addInputEntities: ignore,
    reset: ignore,
    setXmlVersion: ignore,
    decode: (text) =>
      text.replace(ENTITY_REFERENCE, (reference, decimal?: string, hex?: string, name?: string) => {
        if (name !== undefined) return PREDEFINED_ENTITIES.get(name) ?? reference;
        const codePoint =
          decimal !== undefined ? Number.parseInt(decimal, 10) : Number.parseInt(hex ?? '', 16);
        return codePoint <= 0x10ffff ? String.fromCodePoint(codePoint) : reference;
      }),
  };
}

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: ATTRIBUTE_PREFIX,
  textNodeName: TEXT_KEY,
  // Values are read exactly as written: no number guessing, no trimming of a cmdline's spaces.
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  entityDecoder: xmlEntityDecoder(),
});

/** Serializes an element tree built from plain objects; the builder escapes every value. */
export function buildXml(root: XmlNode): string {
  return builder.build(root) as string;
}

/**
 * Parses XML libvirt returned and gives back its root element, which must be named `rootName`.
 * Malformed XML or another root fails with `IMS_PROVIDER_ERROR`.
 */
export function parseXmlRoot(xml: string, rootName: string): XmlNode {
  const validation = XMLValidator.validate(xml);
  if (validation !== true) {
    throw unreadable(
      rootName,
      `it is not well-formed XML (${validation.err.msg}, line ${validation.err.line})`,
    );
  }
  const document = parser.parse(xml) as XmlNode;
  const root = document[rootName];
  if (!isNode(root)) throw unreadable(rootName, `its root element is not <${rootName}>`);
  return root;
}

/** The error for XML from libvirt that cannot be read as the expected kind of document. */
export function unreadable(rootName: string, why: string): ImsError {
  return new ImsError(
    'IMS_PROVIDER_ERROR',
    `libvirt returned <${rootName}> XML that IMS cannot read: ${why}.`,
    {
      hint: 'Check that the libvirt version is supported; report this with the output of `virsh dumpxml`.',
      details: { element: rootName },
    },
  );
}

/** True for an element object (an element with only text is a string instead). */
export function isNode(value: unknown): value is XmlNode {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The child elements named `name`, as an array whatever their count. */
export function children(node: XmlNode | undefined, name: string): unknown[] {
  const value = node?.[name];
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

/** The first child element named `name` as an object; an element with only text becomes `{ '#text': ... }`. */
export function child(node: XmlNode | undefined, name: string): XmlNode | undefined {
  const first = children(node, name)[0];
  if (first === undefined) return undefined;
  if (isNode(first)) return first;
  return { [TEXT_KEY]: String(first) };
}

/** The text of the first child element named `name`, or undefined when there is none. */
export function childText(node: XmlNode | undefined, name: string): string | undefined {
  const element = child(node, name);
  if (element === undefined) return undefined;
  return textOf(element);
}

/** The text content of an element object (empty for an element without text). */
export function textOf(node: XmlNode): string {
  const text = node[TEXT_KEY];
  return typeof text === 'string' ? text : text === undefined ? '' : String(text);
}

/** An attribute of an element, or undefined. */
export function attribute(node: XmlNode | undefined, name: string): string | undefined {
  const value = node?.[ATTRIBUTE_PREFIX + name];
  return value === undefined ? undefined : String(value);
}

/** All attributes of an element, without their prefix. */
export function attributes(node: XmlNode): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [key, value] of Object.entries(node)) {
    if (key.startsWith(ATTRIBUTE_PREFIX)) result[key.slice(ATTRIBUTE_PREFIX.length)] = String(value);
  }
  return result;
}

/** Builds the object key of an attribute. */
export function attr(name: string): string {
  return ATTRIBUTE_PREFIX + name;
}

/** The object key of element text. */
export const TEXT = TEXT_KEY;

/**
 * Characters XML 1.0 cannot carry at all, plus CR, which every conforming parser (libvirt's libxml2
 * included) turns into LF, so it would not come back as written.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const NOT_XML_TEXT = /[\u0000-\u0008\u000b-\u001f\ufffe\uffff]|\p{Cs}/u;

/** Attribute values additionally lose TAB and LF to attribute-value normalization. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const NOT_XML_ATTRIBUTE = /[\u0000-\u001f\ufffe\uffff]|\p{Cs}/u;

/** Returns `value` if it can travel as element text and come back unchanged, else `IMS_INVALID_ARGUMENT`. */
export function xmlText(field: string, value: string): string {
  if (NOT_XML_TEXT.test(value)) throw notRepresentable(field, 'a control character XML cannot carry');
  return value;
}

/** Returns `value` if it can travel as an attribute value and come back unchanged, else `IMS_INVALID_ARGUMENT`. */
export function xmlAttribute(field: string, value: string): string {
  if (value.length === 0) throw notRepresentable(field, 'an empty value');
  if (NOT_XML_ATTRIBUTE.test(value)) throw notRepresentable(field, 'a control character or line break');
  return value;
}

function notRepresentable(field: string, what: string): ImsError {
  return new ImsError(
    'IMS_INVALID_ARGUMENT',
    `The ${field} contains ${what}, which libvirt XML cannot carry.`,
    {
      hint: `Use a ${field} of printable characters only.`,
      details: { field },
    },
  );
}

/** Returns `value` if it is an integer from `min` up, else `IMS_INVALID_ARGUMENT`. */
export function integerAtLeast(field: string, value: number, min: number): number {
  if (!Number.isSafeInteger(value) || value < min) {
    throw new ImsError(
      'IMS_INVALID_ARGUMENT',
      `The ${field} must be a whole number of at least ${min}; got ${value}.`,
      {
        hint: `Give a ${field} of ${min} or more.`,
        details: { field, value },
      },
    );
  }
  return value;
}

/** Multipliers of libvirt's scaled-integer units (case-insensitive; `KB` is 1000, `K`/`KiB` 1024). */
function unitMultiplier(unit: string): number | undefined {
  const lower = unit.toLowerCase();
  if (lower === 'b' || lower === 'byte' || lower === 'bytes') return 1;
  const power = 'kmgtpe'.indexOf(lower.charAt(0)) + 1;
  if (power === 0) return undefined;
  const rest = lower.slice(1);
  if (rest === '' || rest === 'ib') return 1024 ** power;
  if (rest === 'b') return 1000 ** power;
  return undefined;
}

/**
 * Reads a libvirt scaled integer (`<memory unit='KiB'>163840</memory>`) as bytes; `defaultUnit`
 * applies when the element has no `unit`. Undefined when the element is absent or not a number.
 */
export function scaledBytes(element: XmlNode | undefined, defaultUnit: string): number | undefined {
  if (element === undefined) return undefined;
  const digits = textOf(element).trim();
  if (!/^\d+$/.test(digits)) return undefined;
  const multiplier = unitMultiplier(attribute(element, 'unit') ?? defaultUnit);
  if (multiplier === undefined) return undefined;
  return Number(digits) * multiplier;
}
