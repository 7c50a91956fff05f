import { dottedVersion, isSeven, type SimVersion } from './versions.js';

// modelled: short excerpts of VBoxManage's usage text, pre-7 layout (printUsage) and 7.x (refentry)
const CLASSIC: Record<string, string> = {
  list: 'VBoxManage list [--long|-l] [--sorted|-s] vms|runningvms|ostypes|hostdvds|hdds|dvds',
  showvminfo:
    'VBoxManage showvminfo      <uuid|vmname> [--details]\n                           [--machinereadable]',
  createvm:
    'VBoxManage createvm        --name <name>\n                           [--groups <group>, ...]\n                           [--ostype <ostype>]\n                           [--register]\n                           [--basefolder <path>]\n                           [--uuid <uuid>]',
  modifyvm:
    'VBoxManage modifyvm        <uuid|vmname>\n                           [--name <name>]\n                           [--ostype <ostype>]\n                           [--memory <memorysize in MB>]\n                           [--cpus <number>]\n                           [--ioapic on|off]\n                           [--boot<1-4> none|floppy|dvd|disk|net>]\n                           [--nic<1-N> none|null|nat|bridged|intnet|hostonly|generic|natnetwork]\n                           [--nictype<1-N> Am79C970A|Am79C973|82540EM|82543GC|82545EM|virtio]\n                           [--cableconnected<1-N> on|off]\n                           [--macaddress<1-N> auto|<mac>]',
  storagectl:
    'VBoxManage storagectl      <uuid|vmname>\n                           --name <name>\n                           [--add ide|sata|scsi|floppy|sas|usb|pcie]\n                           [--controller LSILogic|LSILogicSAS|BusLogic|IntelAHCI|PIIX3|PIIX4|ICH6|I82078|USB|NVMe]\n                           [--portcount <1-n>]\n                           [--bootable on|off]\n                           [--remove]',
  storageattach:
    'VBoxManage storageattach   <uuid|vmname>\n                           --storagectl <name>\n                           [--port <number>]\n                           [--device <number>]\n                           [--type dvddrive|hdd|fdd]\n                           [--medium none|emptydrive|additions|\n                                     <uuid>|<filename>|host:<drive>|iscsi]',
  convertfromraw:
    'VBoxManage convertfromraw  <filename> <outputfile>\n                           [--format VDI|VMDK|VHD]\n                           [--variant Standard,Fixed,Split2G,Stream,ESX]\n                           [--uuid <uuid>]',
  snapshot:
    'VBoxManage snapshot        <uuid|vmname>\n                           take <name> [--description <desc>] [--live]\n                                       [--uniquename Number,Timestamp,Space,Force] |\n                           delete <uuid|snapname> |\n                           list [--details|--machinereadable]',
  clonevm:
    'VBoxManage clonevm         <uuid|vmname>\n                           [--snapshot <uuid>|<name>]\n                           [--mode machine|machineandchildren|all]\n                           [--options link|keepallmacs|keepnatmacs|\n                                      keepdisknames|keephwuuids]\n                           [--name <name>]\n                           [--groups <group>, ...]\n                           [--basefolder <basefolder>]\n                           [--uuid <uuid>]\n                           [--register]',
  import:
    'VBoxManage import          <ovfname/ovaname>\n                           [--dry-run|-n]\n                           [--options keepallmacs|keepnatmacs|importtovdi]\n                           [more options]\n                           (run with -n to have options displayed\n                            for a particular OVF)',
  startvm:
    'VBoxManage startvm         <uuid|vmname>...\n                           [--type gui|sdl|headless|separate]\n                           [-E|--putenv <NAME>[=<VALUE>]]',
  controlvm:
    'VBoxManage controlvm       <uuid|vmname>\n                           pause|resume|reset|poweroff|savestate|\n                           acpipowerbutton|acpisleepbutton|',
  unregistervm: 'VBoxManage unregistervm    <uuid|vmname> [--delete]',
  guestproperty:
    'VBoxManage guestproperty   get <uuid|vmname>\n                           <property> [--verbose]\n\nVBoxManage guestproperty   set <uuid|vmname>\n                           <property> [<value> [--flags <flags>]]\n\nVBoxManage guestproperty   delete|unset <uuid|vmname>\n                           <property>\n\nVBoxManage guestproperty   enumerate <uuid|vmname>\n                           [--patterns <patterns>]\n\nVBoxManage guestproperty   wait <uuid|vmname> <patterns>\n                           [--timeout <msec>] [--fail-on-timeout]',
  metrics:
    'VBoxManage metrics         list [*|host|<vmname> [<metric_list>]]\n                                                 (comma-separated)\n\nVBoxManage metrics         setup\n                           [--period <seconds>] (default: 1)\n                           [--samples <count>] (default: 1)\n                           [--list]\n                           [*|host|<vmname> [<metric_list>]]\n\nVBoxManage metrics         query [*|host|<vmname> [<metric_list>]]',
};

const SEVEN: Record<string, string> = {
  list: '  VBoxManage list [--long] [--platform-arch=x86 | arm] [--sorted] [bridgedifs | dhcpservers | dvds | hdds | hostdvds | hostinfo | natnets | ostypes | runningvms | vms]',
  showvminfo:
    '  VBoxManage showvminfo <uuid | vmname> [--details] [--machinereadable] [--password-id] [--password]',
  createvm:
    '  VBoxManage createvm <--name=name> [--basefolder=basefolder] [--default] [--groups=group-ID[,...]] [--ostype=ostype] [--register] [--uuid=uuid]',
  modifyvm:
    '  VBoxManage modifyvm <uuid | vmname> [--name=name] [--ostype=ostype] [--memory=size-in-MB] [--cpus=CPU-count] [--ioapic=on | off] [--boot<1-4>=disk | dvd | floppy | net | none] [--nic<1-N>=none | null | nat | bridged | intnet | hostonly | generic | natnetwork] [--nic-type<1-N>=Am79C970A | Am79C973 | 82540EM | 82543GC | 82545EM | virtio] [--mac-address<1-N>=auto | MAC-address]',
  storagectl:
    '  VBoxManage storagectl <uuid | vmname> <--name=controller-name> [--add=floppy | ide | pcie | sas | sata | scsi | usb] [--controller=BusLogic | I82078 | ICH6 | IntelAhci | LSILogic | LSILogicSAS | NVMe | PIIX3 | PIIX4 | USB] [--bootable=on | off] [--portcount=count] [--remove]',
  storageattach:
    '  VBoxManage storageattach <uuid | vmname> <--storagectl=name> [--device=number] [--port=number] [--medium=none | emptydrive | additions | uuid | filename | host:drive | iscsi] [--type=dvddrive | fdd | hdd]',
  convertfromraw:
    '  VBoxManage convertfromraw <inputfile> <outputfile> [--format=VDI | VMDK | VHD] [--uuid=uuid] [--variant=Standard,Fixed,Split2G,Stream,ESX]',
  snapshot:
    '  VBoxManage snapshot <uuid | vmname> take <snapshot-name> [--description=description] [--live] [--uniquename Number,Timestamp,Space,Force]',
  clonevm:
    '  VBoxManage clonevm <vmname | uuid> [--basefolder=basefolder] [--groups=group,...] [--mode=machine | machineandchildren | all] [--name=name] [--options=option,...] [--register] [--snapshot=snapshot-name] [--uuid=uuid]',
  import:
    '  VBoxManage import <ovfname | ovaname> [--dry-run] [--options= keepallmacs | keepnatmacs | importtovdi] [--vsys=n] [--ostype=ostype] [--vmname=name] [--settingsfile=file] [--basefolder=folder] [--group=group] [--memory=MB] [--cpus=n] [--description=text] [--eula= show | accept] [--unit=n] [--ignore] [--scsitype= BusLogic | LsiLogic] [--disk=path] [--controller=index] [--port=n]',
  startvm:
    '  VBoxManage startvm <uuid | vmname...> [--putenv=name[=value]] [--type= [gui | headless | sdl | separate] ]',
  controlvm:
    '  VBoxManage controlvm <uuid | vmname> pause\n  VBoxManage controlvm <uuid | vmname> resume\n  VBoxManage controlvm <uuid | vmname> poweroff\n  VBoxManage controlvm <uuid | vmname> savestate\n  VBoxManage controlvm <uuid | vmname> acpipowerbutton',
  unregistervm: '  VBoxManage unregistervm <uuid | vmname> [--delete] [--delete-all]',
  guestproperty:
    '  VBoxManage guestproperty get <uuid | vmname> <property-name> [--verbose]\n  VBoxManage guestproperty enumerate <uuid | vmname> [--no-timestamp] [--no-flags] [--relative] [--old-format] [patterns...]\n  VBoxManage guestproperty set <uuid | vmname> <property-name> [property-value [--flags=flags]]\n  VBoxManage guestproperty unset <uuid | vmname> <property-name>\n  VBoxManage guestproperty wait <uuid | vmname> <patterns> [--timeout=msec] [--fail-on-timeout]',
  metrics:
    '  VBoxManage metrics list [*| host | vmname [metric-list]]\n  VBoxManage metrics setup [--list] [--period=seconds] [--samples=count] [* | host | vmname [metric-list]]\n  VBoxManage metrics query [* | host | vmname [metric-list]]',
};

/** The logo VBoxManage prints before usage text. */
export function logo(version: SimVersion): string {
  const v = dottedVersion(version);
  // modelled: banner wording per release family (7.1 dropped "VM" from the product name)
  if (version.key === '7.1') {
    return `Oracle VirtualBox Command Line Management Interface Version ${v}\nCopyright (C) 2005-2025 Oracle and/or its affiliates\n\n`;
  }
  if (isSeven(version)) {
    return `Oracle VM VirtualBox Command Line Management Interface Version ${v}\nCopyright (C) 2005-2024 Oracle and/or its affiliates\n\n`;
  }
  const years: Record<string, string> = { '4.3': '2016', '5.2': '2020', '6.1': '2024' };
  const year = years[version.key] ?? '2024';
  return `Oracle VM VirtualBox Command Line Management Interface Version ${v}\n(C) 2005-${year} Oracle Corporation\nAll rights reserved.\n\n`;
}

/** The usage excerpt of one command (all commands when unknown). */
export function usageOf(command: string, version: SimVersion): string {
  const table = isSeven(version) ? SEVEN : CLASSIC;
  const text = table[command] ?? Object.values(table).join('\n\n');
  return `Usage:\n\n${text}\n`;
}

/** stderr of a syntax error (exit 2): pre-7 logo + usage + `Syntax error:`; 7.x error line + usage. */
export function syntaxErrorText(command: string, message: string, version: SimVersion): string {
  if (isSeven(version)) return `VBoxManage: error: ${message}\n${usageOf(command, version)}`;
  return `${logo(version)}${usageOf(command, version)}\nSyntax error: ${message}\n`;
}
