#!/usr/bin/env bash
# Installs what IMS needs on a fresh Debian 12 machine (run as root), then its node modules.
# Safe to run again: every step checks first.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages: OpenSSH (the SSH tests run a real sshd on 127.0.0.1), tar/gzip for templates;
# qemu, busybox-static, e2fsprogs, cpio, kmod, debootstrap to build and boot templates;
# xorriso, genisoimage (isoinfo) and python3-yaml to read boot images back; shellcheck for the guest scripts;
# libvirt (daemon, clients, libxml2-utils for virt-xml-validate) and tini to run libvirtd without systemd;
# Apache libcloud with the libvirt binding, the peer of the libvirt benchmarks.
APT_PACKAGES=(openssh-server openssh-client tar gzip ca-certificates
  qemu-system-x86 qemu-utils busybox-static e2fsprogs xorriso genisoimage cpio kmod shellcheck debootstrap zstd
  python3-yaml libvirt-daemon-system libvirt-clients libxml2-utils tini
  python3-libcloud python3-libvirt)
missing=()
for p in "${APT_PACKAGES[@]}"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  # Without systemd, package scripts would start daemons (sshd on port 22): forbid that while installing.
  policy=/usr/sbin/policy-rc.d
  had_policy=0; [ -e "$policy" ] && had_policy=1
  [ $had_policy = 1 ] || { printf '#!/bin/sh\nexit 101\n' > "$policy"; chmod +x "$policy"; }
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
  [ $had_policy = 1 ] || rm -f "$policy"
fi

# The template builder fetches Debian's kernel and busybox with `apt-get download`: it needs package lists.
if ! compgen -G '/var/lib/apt/lists/*_Packages*' >/dev/null; then apt-get update -qq; fi

# pnpm 10 (corepack on Node 20 cannot verify current pnpm signatures, so install it with npm).
if ! command -v pnpm >/dev/null 2>&1 || [ "$(pnpm --version | cut -d. -f1)" != 10 ]; then
  npm install -g --no-audit --no-fund pnpm@10.34.8 >/dev/null
fi

pnpm install --frozen-lockfile
