#!/usr/bin/env bash
# The raw-virsh path to a booted guest with an address, as libvirt-boot-to-ip-vs-virsh times it:
# upload the boot-parameter image into the VM's volume, start the domain, then ask the guest agent
# every 0.25 s (the interval `ims vm start --wait-ip` polls at) until it reports the address.
# Usage: boot-with-virsh.sh POOL VOLUME IMAGE DOMAIN ADDRESS [TIMEOUT_SECONDS]
set -euo pipefail
pool=$1 volume=$2 image=$3 domain=$4 address=$5 timeout=${6:-120}
uri=qemu:///system
virsh -q -c "$uri" vol-upload --pool "$pool" "$volume" "$image"
virsh -q -c "$uri" start "$domain" >/dev/null
deadline=$((SECONDS + timeout))
until virsh -q -c "$uri" domifaddr "$domain" --source agent 2>/dev/null | grep -q " ${address}/"; do
  if ((SECONDS >= deadline)); then
    echo "guest agent of ${domain} reported no ${address} within ${timeout} s" >&2
    exit 1
  fi
  sleep 0.25
done
