/** The simulated Manager's errors: plain SOAP faults whose message starts with a stable code. */

/** The stable fault-message prefixes (contract "Errors"). */
// modelled: the OVM-10xx codes and texts are ours; the real Manager's messages are not known
export const FAULT_CODES = {
  vmNotFound: 'OVM-1001',
  templateNotFound: 'OVM-1002',
  nameInUse: 'OVM-1003',
  notAllowed: 'OVM-1004',
  poolNotFound: 'OVM-1005',
  diskMissing: 'OVM-1006',
  other: 'OVM-1007',
} as const;

/** A failure the simulator answers with a `soap:Fault` (HTTP 500). */
export class OvmFault extends Error {
  override readonly name = 'OvmFault';
}

/** OVM-1001. */
export const vmNotFound = (name: string): OvmFault =>
  new OvmFault(`${FAULT_CODES.vmNotFound} VM not found: ${name}`);
/** OVM-1002. */
export const templateNotFound = (name: string): OvmFault =>
  new OvmFault(`${FAULT_CODES.templateNotFound} Template not found: ${name}`);
/** OVM-1003. */
export const nameInUse = (name: string): OvmFault =>
  new OvmFault(`${FAULT_CODES.nameInUse} Name already in use: ${name}`);
/** OVM-1004. */
export const notAllowed = (operation: string, state: string): OvmFault =>
  new OvmFault(`${FAULT_CODES.notAllowed} Operation ${operation} not allowed in state ${state}`);
/** OVM-1005. */
export const poolNotFound = (name: string): OvmFault =>
  new OvmFault(`${FAULT_CODES.poolNotFound} Server pool not found: ${name}`);
/** OVM-1006. */
export const diskMissing = (path: string): OvmFault =>
  new OvmFault(`${FAULT_CODES.diskMissing} Disk missing: ${path}`);
/** OVM-1007. */
export const otherFailure = (text: string): OvmFault => new OvmFault(`${FAULT_CODES.other} ${text}`);

/** The object `soap` turns into a plain SOAP 1.1 fault with HTTP 500. */
export function soapFaultOf(message: string): {
  Fault: { faultcode: string; faultstring: string; statusCode: number };
} {
  // confirmed: reference "No declared faults: errors are plain soap:Fault"; modelled: faultcode soap:Server
  return { Fault: { faultcode: 'soap:Server', faultstring: message, statusCode: 500 } };
}
