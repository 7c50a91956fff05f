/**
 * SOAP 1.1 document/literal envelopes in the shape of the OVM 2.2 web services: requests are
 * `<types:{op}Element>` with one element per parameter, responses `<{op}ResponseElement>` with
 * repeated `<result>` elements, errors a plain `soap:Fault`.
 */
import { element, elementWith, renderXml, type XmlContent, type XmlElementSpec } from './xml-builder.js';
import { childNamed, childrenNamed, readXml, type XmlNode } from './xml-reader.js';

/** The namespaces of the OVM web services. */
export const OVM_NAMESPACES = {
  soap: 'http://schemas.xmlsoap.org/soap/envelope/',
  tns: 'http://oracle.ovs.api/',
  types: 'http://oracle.ovs.api/types/',
  lit: 'http://www.oracle.com/webservices/internal/literal',
} as const;

/** The SOAPAction header value of an operation, quoted, with the two slashes the Manager uses. */
export function soapAction(operation: string): string {
  return `"${OVM_NAMESPACES.tns}/${operation}"`;
}

/** A scalar parameter or field value; `undefined` leaves the element out. */
export type Scalar = string | number | bigint | boolean | undefined;

/** An element in the `types` namespace holding a scalar, or nothing when the value is `undefined`. */
export function scalar(name: string, value: Scalar): XmlElementSpec | undefined {
  if (value === undefined) return undefined;
  return element(`types:${name}`, String(value));
}

/** An element in the `types` namespace with child elements (a complex value). */
export function struct(name: string, ...fields: readonly (XmlContent | undefined)[]): XmlElementSpec {
  return element(`types:${name}`, ...fields);
}

/**
 * A complex value received from the Manager sent back as it came (same fields, same order) under
 * `name`: how a `ServerPool` or `VirtualMachine` is passed to the next call.
 */
export function echo(name: string, value: XmlNode): XmlElementSpec {
  if (value.children.length === 0)
    return element(`types:${name}`, value.text === '' ? undefined : value.text);
  return element(`types:${name}`, ...value.children.map((child) => echo(child.name, child)));
}

/** The request envelope of `operation` with its parameters, in order. */
export function buildRequest(operation: string, params: readonly (XmlElementSpec | undefined)[]): string {
  const envelope = elementWith(
    'soap:Envelope',
    {
      'xmlns:soap': OVM_NAMESPACES.soap,
      'xmlns:types': OVM_NAMESPACES.types,
      'xmlns:lit': OVM_NAMESPACES.lit,
    },
    element('soap:Body', element(`types:${operation}Element`, ...params)),
  );
  return `<?xml version="1.0" encoding="UTF-8"?>${renderXml(envelope)}`;
}

/** What a response envelope holds. */
export type SoapReply =
  | { kind: 'result'; results: XmlNode[] }
  | { kind: 'fault'; faultCode: string; faultString: string };

/** Why a response could not be understood. */
export class SoapFormatError extends Error {
  override readonly name = 'SoapFormatError';
}

/** Reads a response envelope of `operation`; {@link SoapFormatError} when it is not one. */
export function parseReply(text: string, operation: string): SoapReply {
  let root: XmlNode;
  try {
    root = readXml(text);
  } catch (error) {
    throw new SoapFormatError((error as Error).message, { cause: error });
  }
  if (root.name !== 'Envelope')
    throw new SoapFormatError(`the root element is <${root.name}>, not a SOAP Envelope`);
  const body = childNamed(root, 'Body');
  if (body === undefined) throw new SoapFormatError('the SOAP Envelope has no Body');
  const payload = body.children[0];
  if (payload?.name === 'Fault') {
    return {
      kind: 'fault',
      faultCode: childNamed(payload, 'faultcode')?.text.trim() ?? '',
      faultString: childNamed(payload, 'faultstring')?.text.trim() ?? '',
    };
  }
  const expected = `${operation}ResponseElement`;
  if (payload?.name !== expected) {
    const found = payload === undefined ? 'an empty Body' : `<${payload.name}>`;
    throw new SoapFormatError(`expected <${expected}> in the SOAP Body, found ${found}`);
  }
  return { kind: 'result', results: childrenNamed(payload, 'result') };
}
