/** The simulated guest's boot: read `Bootparams.img` and report the address of the NIC with the VM's MAC. */
import { readBootImageFile } from '@ims/ovm-templates/guest-sim';

/** What the guest reported after booting. */
export type GuestBootResult = { kind: 'address'; address: string } | { kind: 'none'; why: string };

/**
 * Boots the simulated guest: reads the image at `imagePath` as the IMS boot scripts would and
 * returns the static address configured for the NIC whose MAC is `vifMac`.
 */
export async function bootGuest(imagePath: string, vifMac: string | undefined): Promise<GuestBootResult> {
  let nics: Awaited<ReturnType<typeof readBootImageFile>>['nics'];
  try {
    nics = (await readBootImageFile(imagePath)).nics;
  } catch (error) {
    return {
      kind: 'none',
      why: `the guest found no boot parameters in ${imagePath}: ${(error as Error).message}`,
    };
  }
  if (vifMac === undefined) return { kind: 'none', why: 'vm.cfg has no vif MAC' };
  const nic = nics.find((n) => n.mac.toLowerCase() === vifMac);
  if (nic === undefined) return { kind: 'none', why: `no boot-parameter NIC has the vif MAC ${vifMac}` };
  // modelled: a DHCP NIC reports nothing (the simulator has no DHCP server)
  if (nic.address === 'dhcp') return { kind: 'none', why: `the NIC ${vifMac} uses DHCP` };
  // modelled: imgIp is the plain address the guest reported (contract "imgIp")
  return { kind: 'address', address: nic.address.address };
}
