# shellcheck shell=bash
# The debootstrap base: Debian 12 minbase plus systemd, udev, dbus, iproute2, a DHCP client and qemu-ga;
# no kernel inside (the template's vmlinuz/initrd.img boot it). Configured by writing files into the
# tree, never by running anything in a chroot after debootstrap.

readonly DEBIAN_SUITE=bookworm
# udev: systemd sees devices (fstab by label, the guest agent's port) only through it; dbus: without
# it systemd-logind does not run, and nothing acts on the ACPI power button.
readonly DEBOOTSTRAP_PACKAGES=systemd-sysv,udev,dbus,iproute2,isc-dhcp-client,qemu-guest-agent

# debian_mirror — IMS_TEMPLATE_MIRROR, else the first apt source serving bookworm.
debian_mirror() {
  local mirror=${IMS_TEMPLATE_MIRROR:-}
  if [[ -z ${mirror} && -r /etc/apt/sources.list.d/debian.sources ]]; then
    mirror=$(awk -v suite="${DEBIAN_SUITE}" '
      /^[[:space:]]*$/ { uris = ""; suites = ""; next }
      /^URIs:/ { uris = $2 }
      /^Suites:/ { suites = " " substr($0, 8) " " }
      uris != "" && index(suites, " " suite " ") > 0 { print uris; exit }
    ' /etc/apt/sources.list.d/debian.sources)
  fi
  if [[ -z ${mirror} && -r /etc/apt/sources.list ]]; then
    mirror=$(awk -v suite="${DEBIAN_SUITE}" '$1 == "deb" && $3 == suite { print $2; exit }' /etc/apt/sources.list)
  fi
  [[ -n ${mirror} ]] || die "no Debian ${DEBIAN_SUITE} mirror found in the apt sources" \
    "set IMS_TEMPLATE_MIRROR, e.g. IMS_TEMPLATE_MIRROR=http://deb.debian.org/debian"
  printf '%s\n' "${mirror}"
}

# build_debootstrap_tree WORK TREE — debootstrap, then trimming and IMS configuration.
build_debootstrap_tree() {
  local work=$1 tree=$2 mirror packages=${DEBOOTSTRAP_PACKAGES}
  mirror=$(debian_mirror)
  [[ ${OPT_SSH} == true ]] && packages+=,openssh-server
  log "debootstrap ${DEBIAN_SUITE} (minbase + ${packages}) from ${mirror}"
  if ! debootstrap --variant=minbase --include="${packages}" --cache-dir="${CACHE_DIR}/debootstrap" \
    "${DEBIAN_SUITE}" "${tree}" "${mirror}" >"${work}/debootstrap.log" 2>&1; then
    die "debootstrap failed: $(grep -E '^[EW]:' "${work}/debootstrap.log" | tail -n 3 | tr '\n' ' ')" \
      "see the whole log by running: debootstrap --variant=minbase ${DEBIAN_SUITE} /tmp/x ${mirror}"
  fi
  if [[ -n $(mounts_below "${tree}") ]]; then
    die "debootstrap left file systems mounted below ${tree}"
  fi
  trim_debian_tree "${tree}"
  configure_debian_tree "${tree}"
}

# debian_os_name TREE — the template's "os" text.
debian_os_name() {
  local pretty
  pretty=$(awk -F= '$1 == "PRETTY_NAME" { gsub(/"/, "", $2); print $2 }' "$1/usr/lib/os-release")
  printf '%s, minimal with systemd; Linux %s\n' "${pretty:-Debian GNU/Linux 12}" "${KERNEL_VERSION}"
}

# trim_debian_tree TREE — JeOS: no package cache, documentation, manuals or translations; dpkg keeps
# them out on later installs too.
trim_debian_tree() {
  local tree=$1
  rm -rf -- "${tree}"/var/cache/apt/archives/*.deb "${tree}"/var/cache/apt/*.bin "${tree}"/var/lib/apt/lists/*_*
  rm -rf -- "${tree}"/usr/share/doc/* "${tree}"/usr/share/man/* "${tree}"/usr/share/info/*
  find "${tree}/usr/share/locale" -mindepth 1 -maxdepth 1 ! -name 'locale.alias' -exec rm -rf -- {} +
  cat >"${tree}/etc/dpkg/dpkg.cfg.d/ims-jeos" <<'EOF'
# IMS JeOS template: no documentation, manuals or translations.
path-exclude=/usr/share/doc/*
path-include=/usr/share/doc/*/copyright
path-exclude=/usr/share/man/*
path-exclude=/usr/share/info/*
path-exclude=/usr/share/locale/*
path-include=/usr/share/locale/locale.alias
EOF
  # No background apt runs in a VM nobody asked to update.
  rm -f -- "${tree}"/etc/systemd/system/timers.target.wants/apt-daily*.timer
  # Every VM from this template must get its own identity.
  : >"${tree}/etc/machine-id"
  rm -f -- "${tree}/var/lib/dbus/machine-id"
  rm -f -- "${tree}"/etc/ssh/ssh_host_*
}

# configure_debian_tree TREE — mounts, the boot scripts' unit, SSH host keys at first boot.
configure_debian_tree() {
  local tree=$1 unit
  cat >"${tree}/etc/fstab" <<'EOF'
# <file system>   <mount point>  <type>  <options>                                    <dump> <pass>
LABEL=ims-system  /              ext4    defaults,errors=remount-ro                   0      1
LABEL=ims-app     /opt/app       ext4    defaults,nodev,nofail,x-systemd.device-timeout=10s  0  2
EOF
  unit="$(guest_dir)/ims-bootconfig.service"
  [[ -f ${unit} ]] || die "the boot scripts have no systemd unit: ${unit} does not exist" \
    "install @ims/ovm-templates completely, or point --guest-dir at a directory holding ims-bootconfig.service"
  install -m 0644 "${unit}" "${tree}/lib/systemd/system/ims-bootconfig.service"
  enable_unit "${tree}" ims-bootconfig.service
  # The hooks may use the application disk: wait for its mount (nofail takes it out of
  # local-fs.target's ordering; when it is not there at all, this orders nothing).
  mkdir -p "${tree}/etc/systemd/system/ims-bootconfig.service.d"
  printf '[Unit]\nAfter=opt-app.mount\n' >"${tree}/etc/systemd/system/ims-bootconfig.service.d/ims-app.conf"
  if [[ ${OPT_SSH} == true ]]; then
    install -m 0644 "${BUILDER_DIR}/files/debootstrap/ims-ssh-hostkeys.service" \
      "${tree}/lib/systemd/system/ims-ssh-hostkeys.service"
    enable_unit "${tree}" ims-ssh-hostkeys.service
  fi
}

# enable_unit TREE UNIT — what `systemctl enable` does for WantedBy=/RequiredBy=, as plain symlinks.
enable_unit() {
  local tree=$1 unit=$2 file kind target linked=0
  file="${tree}/lib/systemd/system/${unit}"
  while read -r kind target; do
    [[ -n ${target} ]] || continue
    mkdir -p "${tree}/etc/systemd/system/${target}.${kind}"
    ln -sfn "/lib/systemd/system/${unit}" "${tree}/etc/systemd/system/${target}.${kind}/${unit}"
    linked=1
  done < <(awk -F= '
    /^\[/ { section = $0; next }
    section == "[Install]" && ($1 == "WantedBy" || $1 == "RequiredBy") {
      n = split($2, targets, /[[:space:]]+/)
      for (i = 1; i <= n; i++) if (targets[i] != "") print ($1 == "WantedBy" ? "wants" : "requires"), targets[i]
    }' "${file}")
  ((linked)) || die "${unit} has no WantedBy= or RequiredBy= in its [Install] section, so it cannot be enabled"
}
