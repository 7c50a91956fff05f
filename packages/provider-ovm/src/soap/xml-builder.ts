/**
 * A tiny XML element builder: requests are trees of elements rendered with every text and
 * attribute value escaped, so no value from a user ever becomes markup.
 */
import { ImsError } from '@ims/spi';

/** One element to render. */
export interface XmlElementSpec {
  /** Qualified name, e.g. `types:vmName`. */
  readonly name: string;
  /** Attributes in the order given. */
  readonly attributes: Readonly<Record<string, string>>;
  /** Text and child elements, in order. */
  readonly children: readonly XmlContent[];
}

/** What an element may contain. */
export type XmlContent = XmlElementSpec | string;

/** Content that is left out when rendering: absent optional values. */
type Absent = undefined | null | false;

const NAME = /^[A-Za-z_][A-Za-z0-9._-]*(:[A-Za-z_][A-Za-z0-9._-]*)?$/;

// XML 1.0 Char production, minus what it allows; lone surrogates are caught by the `u` flag.
const NOT_XML_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

/** An element with attributes and content; `undefined`, `null` and `false` children are skipped. */
export function elementWith(
  name: string,
  attributes: Readonly<Record<string, string>>,
  ...children: readonly (XmlContent | Absent)[]
): XmlElementSpec {
  assertName(name);
  for (const attribute of Object.keys(attributes)) assertName(attribute);
  return {
    name,
    attributes,
    children: children.filter(
      (child): child is XmlContent => child !== undefined && child !== null && child !== false,
    ),
  };
}

/** An element without attributes; `undefined`, `null` and `false` children are skipped. */
export function element(name: string, ...children: readonly (XmlContent | Absent)[]): XmlElementSpec {
  return elementWith(name, {}, ...children);
}

/** Renders an element tree as XML text. */
export function renderXml(root: XmlElementSpec): string {
  const parts: string[] = [];
  render(root, parts);
  return parts.join('');
}

function render(node: XmlElementSpec, parts: string[]): void {
  parts.push('<', node.name);
  for (const [name, value] of Object.entries(node.attributes)) {
    parts.push(' ', name, '="', escapeXmlAttribute(value), '"');
  }
  if (node.children.length === 0) {
    parts.push('/>');
    return;
  }
  parts.push('>');
  for (const child of node.children) {
    if (typeof child === 'string') parts.push(escapeXmlText(child));
    else render(child, parts);
  }
  parts.push('</', node.name, '>');
}

/** Escapes text content; carriage returns become `&#13;` so they survive XML line-end normalization. */
export function escapeXmlText(value: string): string {
  assertXmlChars(value);
  return value.replace(/[&<>\r]/g, (c) => TEXT_ESCAPES[c] ?? c);
}

/** Escapes an attribute value (quotes and whitespace too, which attribute normalization would change). */
export function escapeXmlAttribute(value: string): string {
  assertXmlChars(value);
  return value.replace(/[&<>"'\t\n\r]/g, (c) => ATTRIBUTE_ESCAPES[c] ?? c);
}

const TEXT_ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '\r': '&#13;',
};

const ATTRIBUTE_ESCAPES: Readonly<Record<string, string>> = {
  ...TEXT_ESCAPES,
  '"': '&quot;',
  "'": '&apos;',
  '\t': '&#9;',
  '\n': '&#10;',
};

/** `IMS_INVALID_ARGUMENT` for characters XML 1.0 cannot carry at all (NUL, most control characters). */
function assertXmlChars(value: string): void {
  const bad = NOT_XML_CHAR.exec(value);
  if (bad === null) return;
  const code = bad[0].codePointAt(0) ?? 0;
  throw new ImsError(
    'IMS_INVALID_ARGUMENT',
    `A value sent to the OVM Manager contains the character U+${code.toString(16).toUpperCase().padStart(4, '0')}, which XML cannot carry.`,
    { hint: 'Remove control characters from names and parameters.', details: { codePoint: code } },
  );
}

function assertName(name: string): void {
  if (!NAME.test(name)) {
    throw new ImsError('IMS_INTERNAL', `Invalid XML name ${JSON.stringify(name)} in an OVM request.`);
  }
}
