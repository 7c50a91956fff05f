import type { ErrorCode } from '../../errors.js';
import { expectAll, expectImsError } from '../expect.js';
import type { ConformanceSettings } from '../options.js';
import type { ConformanceCheck } from '../state.js';
import { vmSpec } from './create.js';

/** Names every provider must refuse itself, whatever the host already checked. */
export const INVALID_NAMES: readonly string[] = [
  '../x',
  'a;rm -rf /',
  '$(id)',
  'a'.repeat(200),
  '',
  '\uFF41\uFF42\uFF43',
  'a\u202Eb',
  '-lead',
  'a b',
];

/** The name for a message: shortened, and anything but printable ASCII escaped (`\u202E` would garble the output). */
function shown(name: string): string {
  const short = name.length > 20 ? `${name.slice(0, 20)}... (${name.length} characters)` : name;
  return JSON.stringify(short).replace(
    /[^\x20-\x7e]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** Operations on a VM that does not exist, and names no provider may accept. */
export function refusalChecks(settings: ConformanceSettings): ConformanceCheck[] {
  return [
    {
      id: 'vm-not-found',
      title:
        'getStatus, startVm, stopVm, suspendVm, resumeVm, deleteVm and getAddresses of a missing VM fail with IMS_VM_NOT_FOUND',
      timeoutMs: settings.operationMs * 8,
      async run({ fixture: { provider }, names: { missingVm }, bootParams, capabilities }) {
        const notFound = (
          what: string,
          action: () => Promise<unknown>,
          unsupportedToo = false,
        ): (() => Promise<void>) => {
          const codes: ErrorCode[] = unsupportedToo
            ? ['IMS_VM_NOT_FOUND', 'IMS_OPERATION_UNSUPPORTED']
            : ['IMS_VM_NOT_FOUND'];
          return () => expectImsError(`${what}(${missingVm})`, codes, action);
        };
        const stop = { timeoutMs: settings.stopMs };
        await expectAll([
          notFound('getStatus', () => provider.getStatus(missingVm)),
          notFound('startVm', () =>
            provider.startVm(missingVm, { bootParams: { ...bootParams, vmName: missingVm } }),
          ),
          notFound('stopVm', () => provider.stopVm(missingVm, { ...stop, force: false })),
          notFound('stopVm force', () => provider.stopVm(missingVm, { ...stop, force: true })),
          notFound('suspendVm', () => provider.suspendVm(missingVm), !capabilities.suspend),
          notFound('resumeVm', () => provider.resumeVm(missingVm), !capabilities.suspend),
          notFound('deleteVm', () => provider.deleteVm(missingVm, { force: false })),
          notFound('getAddresses', () => provider.getAddresses(missingVm), !capabilities.guestAddresses),
        ]);
        return undefined;
      },
    },
    {
      id: 'invalid-names',
      title:
        'createVm() refuses names with path, shell, space, look-alike or control characters, or of bad length, with IMS_INVALID_NAME',
      timeoutMs: settings.operationMs * INVALID_NAMES.length * 2,
      async run(state) {
        const { provider, template } = state.fixture;
        await expectAll(
          INVALID_NAMES.map((name) => async () => {
            let created = false;
            try {
              await expectImsError(`createVm(${shown(name)})`, ['IMS_INVALID_NAME'], async () => {
                await provider.createVm(vmSpec(state, name, template));
                created = true;
              });
            } finally {
              // A provider that wrongly accepted the name should not keep the VM around.
              if (created) await provider.deleteVm(name, { force: true }).catch(() => undefined);
            }
          }),
        );
        return undefined;
      },
    },
  ];
}
