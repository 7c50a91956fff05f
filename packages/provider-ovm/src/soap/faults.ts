/**
 * How the Manager's failures become IMS errors. Fault messages start with a stable `OVM-NNNN`
 * prefix (see notes/ovm-wire.md); the rest of the message is kept for the user.
 */
import { type ErrorCode, ImsError, isImsError } from '@ims/spi';

/** The IMS code of each known fault prefix. */
const FAULT_CODES: Readonly<Record<string, ErrorCode>> = {
  'OVM-1001': 'IMS_VM_NOT_FOUND',
  'OVM-1002': 'IMS_TEMPLATE_NOT_FOUND',
  'OVM-1003': 'IMS_ALREADY_EXISTS',
  'OVM-1004': 'IMS_INVALID_STATE',
};

const FAULT_HINTS: Readonly<Record<string, string>> = {
  'OVM-1001': 'See `ims vm list`.',
  'OVM-1002': 'See `ims template list`.',
  'OVM-1003': 'Choose another name, or delete the existing one first.',
  'OVM-1004': 'Check the VM state with `ims vm status` and wait for it to settle.',
  'OVM-1005': 'Check the serverPool option of the configuration against the pools the Manager has.',
  'OVM-1006': 'A disk named in the VM’s vm.cfg is missing on dom0; recreate the VM.',
};

/** The `OVM-NNNN` prefix of a fault message, if it has one. */
export function faultPrefix(faultString: string): string | undefined {
  return /^(OVM-\d{4})\b/.exec(faultString.trim())?.[1];
}

/** The IMS error for a `soap:Fault` the Manager answered `operation` with. */
export function faultError(
  operation: string,
  endpoint: string,
  faultCode: string,
  faultString: string,
): ImsError {
  const prefix = faultPrefix(faultString);
  const code = (prefix === undefined ? undefined : FAULT_CODES[prefix]) ?? 'IMS_PROVIDER_ERROR';
  const shown = faultString === '' ? `a SOAP fault (${faultCode || 'no fault code'})` : faultString;
  const hint = prefix === undefined ? undefined : FAULT_HINTS[prefix];
  return new ImsError(code, `OVM Manager ${operation} failed: ${shown}`, {
    ...(hint === undefined ? {} : { hint }),
    details: {
      operation,
      endpoint,
      faultCode,
      faultString,
      ...(prefix === undefined ? {} : { ovmCode: prefix }),
    },
  });
}

/** True when an error is the Manager's fault with this `OVM-NNNN` prefix. */
export function isFault(error: unknown, prefix: string): boolean {
  return isImsError(error) && error.details.ovmCode === prefix;
}
