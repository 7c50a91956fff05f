# shellcheck shell=bash
# The busybox base: a static busybox with its applet links, busybox init, acpid, qemu-ga, and
# util-linux's findfs and blkid.

# build_busybox_tree WORK TREE — fills TREE with the busybox root file system.
build_busybox_tree() {
  local work=$1 tree=$2 files="${BUILDER_DIR}/files/busybox" applet
  mkdir -p "${tree}"/{bin,sbin,usr/bin,usr/sbin,usr/share/udhcpc,etc/init.d,etc/acpi/PWRF,dev,proc,sys,run,mnt,opt/app,var/lib/qemu-ga,var/log,lib/x86_64-linux-gnu,lib64}
  install -d -m 0700 "${tree}/root"
  install -d -m 1777 "${tree}/tmp" "${tree}/var/tmp"
  ln -s ../run "${tree}/var/run"

  install -m 0755 "${BUSYBOX}" "${tree}/bin/busybox"
  # Scripts first: an applet of the same name must not take their place.
  install -m 0755 "${files}/rcS" "${tree}/etc/init.d/rcS"
  install -m 0755 "${files}/rcK" "${tree}/etc/init.d/rcK"
  install -m 0755 "${files}/shutdown" "${tree}/sbin/shutdown"
  install -m 0755 "${files}/power-button" "${tree}/etc/acpi/PWRF/00000080"
  install -m 0755 "${files}/udhcpc.script" "${tree}/usr/share/udhcpc/default.script"
  install -m 0644 "${files}/inittab" "${tree}/etc/inittab"
  while IFS= read -r applet; do
    [[ ${applet} == */* ]] || continue # linuxrc: not wanted in a system image
    [[ -e "${tree}/${applet}" || -L "${tree}/${applet}" ]] || ln -s /bin/busybox "${tree}/${applet}"
  done < <("${BUSYBOX}" --list-full)

  printf 'PWRF PWRF/00000080\n' >"${tree}/etc/acpid.conf"
  printf 'root:x:0:0:root:/root:/bin/sh\n' >"${tree}/etc/passwd"
  printf 'root:x:0:\ntty:x:5:\n' >"${tree}/etc/group"
  # Locked: nobody logs in with a password; keys come with the boot parameters.
  printf 'root:*:0:0:99999:7:::\n' >"${tree}/etc/shadow"
  chmod 0600 "${tree}/etc/shadow"
  : >"${tree}/etc/resolv.conf"
  printf 'LABEL=ims-system / ext4 defaults 0 1\nLABEL=ims-app /opt/app ext4 rw,nodev 0 2\n' >"${tree}/etc/fstab"
  write_busybox_os_release "${tree}"

  install_deb_binaries "${work}" "${tree}" qemu-guest-agent usr/sbin/qemu-ga
  # util-linux's findfs and blkid replace busybox's: busybox's volume_id ignores devices smaller than
  # 68 KiB, and a boot-parameter ISO can be that small.
  rm -f -- "${tree}/sbin/findfs"
  install_deb_binaries "${work}" "${tree}" util-linux sbin/findfs sbin/blkid
}

# busybox_version — e.g. 1.35.0.
busybox_version() {
  local version
  version=$("${BUSYBOX}" 2>&1 | head -n 1 | awk '{ print $2 }')
  printf '%s\n' "${version#v}"
}

# busybox_os_name — the template's "os" text.
busybox_os_name() {
  printf 'IMS JeOS (busybox %s), Linux %s\n' "$(busybox_version)" "${KERNEL_VERSION}"
}

write_busybox_os_release() {
  local tree=$1 version
  version=$(busybox_version)
  cat >"${tree}/etc/os-release" <<EOF
PRETTY_NAME="IMS JeOS (busybox ${version})"
NAME="IMS JeOS"
ID=ims-jeos
VERSION_ID="${version}"
EOF
}

# install_deb_binaries WORK TREE PACKAGE PATH... — the programs at PATHs (relative, as in the package)
# from a Debian package, installed at the same place in TREE with the shared libraries they link.
install_deb_binaries() {
  local work=$1 tree=$2 pkg=$3 deb path
  shift 3
  deb=$(fetch_deb "${pkg}")
  dpkg-deb -x "${deb}" "${work}/deb-${pkg}" || die "cannot unpack ${deb}"
  for path in "$@"; do
    [[ -f "${work}/deb-${pkg}/${path}" ]] || die "the package ${pkg} has no ${path}"
    mkdir -p "${tree}/$(dirname "${path}")"
    install -m 0755 "${work}/deb-${pkg}/${path}" "${tree}/${path}"
    install_libraries "${tree}" "${work}/deb-${pkg}/${path}"
  done
}

# install_libraries TREE PROGRAM — the shared libraries PROGRAM links, taken from this host, which
# must run the same Debian release as the packages.
install_libraries() {
  local tree=$1 program=$2 libs lib
  libs=$(ldd "${program}") || die "ldd cannot read ${program}"
  if grep -q 'not found' <<<"${libs}"; then
    die "$(basename "${program}") needs libraries this host lacks: $(grep 'not found' <<<"${libs}" | awk '{ print $1 }' | tr '\n' ' ')" \
      "build on Debian 12 with those libraries installed"
  fi
  while IFS= read -r lib; do
    [[ -n ${lib} && ! -e "${tree}${lib}" ]] || continue
    mkdir -p "${tree}$(dirname "${lib}")"
    cp -L "${lib}" "${tree}${lib}"
  done < <(awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }' <<<"${libs}")
}
