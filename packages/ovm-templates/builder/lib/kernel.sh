# shellcheck shell=bash
# vmlinuz and initrd.img for direct kernel boot: Debian's cloud kernel and a busybox initramfs that
# loads the drivers, finds the system disk by label and switches to it.

# Drivers the guest needs before and after the switch: the system image has no /lib/modules, so
# everything is loaded here. virtio for KVM/QEMU and VirtualBox (virtio-net, virtio-scsi), Xen PV
# front ends for OVM, PIIX/SCSI CD-ROM for a boot image attached as a DVD, button+evdev for the
# ACPI power button, autofs4 for systemd's automount points.
readonly INITRAMFS_MODULES=(
  virtio_pci virtio_blk virtio_net virtio_console virtio_balloon virtio_scsi virtio_rng
  xen_blkfront xen_netfront ata_piix sd_mod sr_mod
  isofs ext4 autofs4 button evdev
)

KERNEL_VERSION=''

# fetch_kernel WORK OUTDIR — unpacks the cloud kernel into WORK/kernel and copies OUTDIR/vmlinuz.
fetch_kernel() {
  local work=$1 outdir=$2 pkg deb
  pkg=$(kernel_package)
  deb=$(fetch_deb "${pkg}")
  dpkg-deb -x "${deb}" "${work}/kernel" || die "cannot unpack ${deb}" "delete it from ${CACHE_DIR}/debs and retry"
  KERNEL_VERSION=$(find "${work}/kernel/lib/modules" -mindepth 1 -maxdepth 1 -printf '%f\n' | head -n 1)
  [[ -n ${KERNEL_VERSION} && -f "${work}/kernel/boot/vmlinuz-${KERNEL_VERSION}" ]] ||
    die "the package ${pkg} holds no kernel image"
  install -m 0644 "${work}/kernel/boot/vmlinuz-${KERNEL_VERSION}" "${outdir}/vmlinuz"
  depmod -b "${work}/kernel" "${KERNEL_VERSION}" || die "depmod failed for ${KERNEL_VERSION}"
}

# module_files KERNEL_ROOT — the .ko files of INITRAMFS_MODULES and their dependencies, in load order.
module_files() {
  local root=$1 mod out
  for mod in "${INITRAMFS_MODULES[@]}"; do
    if ! out=$(modprobe -d "${root}" -S "${KERNEL_VERSION}" --show-depends "${mod}" 2>&1); then
      die "the kernel ${KERNEL_VERSION} has no module '${mod}': ${out}"
    fi
    # "builtin NAME" lines need nothing; "insmod PATH" lines are loaded in the order given.
    awk '$1 == "insmod" { print $2 }' <<<"${out}"
  done | awk '!seen[$0]++'
}

# build_initramfs WORK OUTDIR EPOCH — writes OUTDIR/initrd.img (gzip'd newc cpio, reproducible).
build_initramfs() {
  local work=$1 outdir=$2 epoch=$3 ko name applet modules
  local root="${work}/initramfs"
  # Not a process substitution: a missing module must stop the build.
  modules=$(module_files "${work}/kernel")
  mkdir -p "${root}"/{bin,sbin,usr/bin,usr/sbin,dev,proc,sys,run,newroot,lib/modules}
  install -m 0755 "${BUSYBOX}" "${root}/bin/busybox"
  while IFS= read -r applet; do
    [[ ${applet} == */* ]] || continue
    [[ -e "${root}/${applet}" ]] || ln -s /bin/busybox "${root}/${applet}"
  done < <("${BUSYBOX}" --list-full)
  : >"${root}/lib/modules/load.order"
  while IFS= read -r ko; do
    [[ -n ${ko} ]] || continue
    name=$(basename "${ko}")
    install -m 0644 "${ko}" "${root}/lib/modules/${name}"
    printf '%s\n' "${name}" >>"${root}/lib/modules/load.order"
  done <<<"${modules}"
  install -m 0755 "${BUILDER_DIR}/files/initramfs/init" "${root}/init"
  touch_tree "${root}" "${epoch}"
  (
    cd "${root}" &&
      find . -mindepth 1 -print | LC_ALL=C sort |
      cpio --create --format=newc --reproducible --owner=0:0 --quiet
  ) | gzip -n -6 >"${outdir}/initrd.img" || die "writing initrd.img failed"
  chmod 0644 "${outdir}/initrd.img"
}
