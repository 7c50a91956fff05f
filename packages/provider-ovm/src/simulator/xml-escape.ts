/** Escaping for XML text and attribute values (the simulator writes WSDL text by hand). */

const ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
};

/** `value` safe inside XML text or a double- or single-quoted attribute. */
export function xmlEscape(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ENTITIES[c] ?? c);
}
