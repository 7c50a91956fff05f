/**
 * Reads XML responses into a small element tree with namespace prefixes removed, so the
 * provider does not care which prefixes the Manager chose (`S:`, `env:`, `ns2:`, none).
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';

/** One parsed element. */
export interface XmlNode {
  /** Local name, without its namespace prefix. */
  readonly name: string;
  /** Its text content (entities decoded), not including the text of child elements. */
  readonly text: string;
  /** Child elements, in document order. */
  readonly children: readonly XmlNode[];
}

/** Why a document could not be read. */
export class XmlReadError extends Error {
  override readonly name = 'XmlReadError';
}

type OrderedNode = Record<string, unknown>;

const parser = new XMLParser({
  preserveOrder: true,
  removeNSPrefix: true,
  ignoreAttributes: true,
  parseTagValue: false,
  trimValues: false,
  // Entities are decoded below, by the five XML names and character references only.
  processEntities: false,
  htmlEntities: false,
  cdataPropName: '#cdata',
  commentPropName: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
});

/** Parses a whole document and returns its root element; {@link XmlReadError} when it is not well-formed. */
export function readXml(text: string): XmlNode {
  // SOAP forbids DTDs; refusing them also rules out entity-expansion tricks.
  if (/<!DOCTYPE/i.test(text)) throw new XmlReadError('the document has a DOCTYPE, which SOAP forbids');
  const valid = XMLValidator.validate(text);
  if (valid !== true) {
    throw new XmlReadError(`not well-formed XML (line ${valid.err.line}): ${valid.err.msg}`);
  }
  const roots = toNodes(parser.parse(text) as OrderedNode[]);
  const [root] = roots;
  if (root === undefined || roots.length !== 1)
    throw new XmlReadError('the document has no single root element');
  return root;
}

function toNodes(ordered: readonly OrderedNode[]): XmlNode[] {
  const nodes: XmlNode[] = [];
  for (const entry of ordered) {
    const name = Object.keys(entry).find((key) => key !== ':@');
    if (name === undefined || name === '#text' || name === '#cdata') continue;
    nodes.push(toNode(name, entry[name] as OrderedNode[]));
  }
  return nodes;
}

function toNode(name: string, content: readonly OrderedNode[]): XmlNode {
  let text = '';
  for (const entry of content) {
    if ('#text' in entry) text += decodeEntities(String(entry['#text']));
    else if ('#cdata' in entry) {
      for (const part of entry['#cdata'] as OrderedNode[]) text += String(part['#text'] ?? '');
    }
  }
  return { name, text, children: toNodes(content) };
}

const NAMED_ENTITIES: Readonly<Record<string, string>> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
};

/** Decodes the predefined entities and character references; anything else is left as it is. */
export function decodeEntities(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-zA-Z]+);/g, (whole, body: string) => {
    if (body.startsWith('#')) {
      const code = body[1] === 'x' ? Number.parseInt(body.slice(2), 16) : Number.parseInt(body.slice(1), 10);
      return Number.isInteger(code) && code >= 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return NAMED_ENTITIES[body] ?? whole;
  });
}

/** The first child element with this local name. */
export function childNamed(node: XmlNode, name: string): XmlNode | undefined {
  return node.children.find((child) => child.name === name);
}

/** Every child element with this local name, in order. */
export function childrenNamed(node: XmlNode, name: string): XmlNode[] {
  return node.children.filter((child) => child.name === name);
}

/** The text of the first child with this name; `undefined` when there is no such child. */
export function childText(node: XmlNode, name: string): string | undefined {
  return childNamed(node, name)?.text;
}
