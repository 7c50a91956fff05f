# shellcheck shell=bash
# The template's descriptive files (vm.cfg, template.json, README) and its .tgz.

# Direct kernel boot under KVM/QEMU, VirtualBox and anything with a serial console.
readonly KERNEL_CMDLINE='console=ttyS0 root=LABEL=ims-system ro quiet panic=-1'
# The same for a Xen PV guest (OVM), whose console is the hypervisor console hvc0.
readonly XEN_CMDLINE='console=hvc0 root=LABEL=ims-system ro quiet panic=-1'
readonly OVM_SEED_POOL=/OVS/seed_pool

# Files of a template directory, in archive order.
readonly TEMPLATE_FILES=(Application.img Bootparams.img README System.img initrd.img template.json vm.cfg vmlinuz)

# json_string TEXT — TEXT as a JSON string literal.
json_string() {
  local s=$1
  s=${s//\\/\\\\}
  s=${s//\"/\\\"}
  s=${s//$'\n'/\\n}
  s=${s//$'\t'/\\t}
  printf '"%s"' "$(printf '%s' "${s}" | tr -d '\000-\010\013-\037')"
}

# write_vm_cfg DIR NAME MEMORY_MB — Xen PV configuration with direct kernel boot.
write_vm_cfg() {
  local dir=$1 name=$2 memory=$3 path="${OVM_SEED_POOL}/$2"
  cat >"${dir}/vm.cfg" <<EOF
# Oracle VM 2.2 (Xen PV) configuration of the IMS template '${name}'.
# Direct kernel boot (no pygrub). Paths point into the seed pool; a VM made from the template gets
# its own copy in /OVS/running_pool/, with these paths and the MAC address set for it.
name = '${name}'
memory = ${memory}
vcpus = 1
kernel = '${path}/vmlinuz'
ramdisk = '${path}/initrd.img'
extra = '${XEN_CMDLINE}'
disk = ['file:${path}/System.img,xvda,w',
        'file:${path}/Application.img,xvdb,w',
        'file:${path}/Bootparams.img,xvdc,r']
vif = ['bridge=xenbr0']
on_poweroff = 'destroy'
on_reboot = 'restart'
on_crash = 'restart'
EOF
}

# disk_json DIR FILE ROLE — one entry of template.json's disks.
disk_json() {
  local dir=$1 file=$2 role=$3 size sum
  size=$(stat -c %s -- "${dir}/${file}")
  sum=$(sha256sum <"${dir}/${file}" | cut -d' ' -f1)
  printf '    { "file": "%s", "role": "%s", "format": "raw", "sizeBytes": %s, "sha256": "%s" }' \
    "${file}" "${role}" "${size}" "${sum}"
}

# write_template_json DIR NAME BASE OS — the IMS metadata (TemplateMetadata of @ims/spi, plus base).
write_template_json() {
  local dir=$1 name=$2 base=$3 os=$4
  {
    printf '{\n'
    printf '  "name": %s,\n' "$(json_string "${name}")"
    printf '  "os": %s,\n' "$(json_string "${os}")"
    printf '  "base": %s,\n' "$(json_string "${base}")"
    printf '  "kernel": "vmlinuz",\n'
    printf '  "initrd": "initrd.img",\n'
    printf '  "cmdline": %s,\n' "$(json_string "${KERNEL_CMDLINE}")"
    printf '  "disks": [\n'
    disk_json "${dir}" System.img system
    printf ',\n'
    disk_json "${dir}" Application.img application
    printf ',\n'
    disk_json "${dir}" Bootparams.img bootparams
    printf '\n  ]\n}\n'
  } >"${dir}/template.json"
}

# write_readme DIR NAME BASE OS
write_readme() {
  local dir=$1 name=$2 base=$3 os=$4
  cat >"${dir}/README" <<EOF
IMS template '${name}' (base: ${base})
${os}

Built by ims-template-build (@ims/ovm-templates). Import it with:
  ims template import <config> ${name}.tgz      (or the directory)

Files
  System.img       ext4, label ims-system: the root file system. It holds the IMS boot scripts in
                   /usr/lib/ims/ (run at every boot), boot hooks in /etc/ims/boot.d/, and no kernel.
  Application.img  ext4, label ims-app: the application, mounted read-write on /opt/app.
  Bootparams.img   placeholder: ${BOOTPARAMS_PLACEHOLDER_BYTES} bytes of zeros. IMS replaces it for each VM at every
                   start with the boot-parameter image (ISO 9660, label cidata, holding
                   bootparams.conf, meta-data, user-data, network-config). Zeros, not an empty ISO,
                   so that a guest booted from the untouched template sees no boot parameters
                   rather than an empty set.
  vmlinuz          Linux kernel (Debian cloud kernel ${KERNEL_VERSION}) for direct kernel boot.
  initrd.img       busybox initramfs: loads the virtio / Xen front-end / ISO 9660 drivers, finds the
                   disk labelled ims-system, mounts it and starts its /sbin/init.
  vm.cfg           Oracle VM 2.2 (Xen PV) configuration: direct kernel boot, the three disks as
                   xvda (w), xvdb (w), xvdc (r), one NIC on xenbr0 without a MAC (IMS sets it).
  template.json    IMS metadata: kernel, initrd, kernel command line and every disk with its role,
                   size and SHA-256.

Kernel command line
  ${KERNEL_CMDLINE}
  (vm.cfg uses console=hvc0, the Xen console, instead of console=ttyS0)
EOF
}

# write_archive OUT NAME EPOCH — OUT/NAME.tgz: the template's files at the archive root, root-owned,
# fixed time stamps and order, so the same template gives the same archive.
write_archive() {
  local out=$1 name=$2 epoch=$3
  tar -C "${out}/${name}" --create --format=ustar --owner=0 --group=0 --numeric-owner \
    --mtime="@${epoch}" --mode='u=rw,go=r' --sort=name -f - -- "${TEMPLATE_FILES[@]}" |
    gzip -n -6 >"${out}/${name}.tgz" || die "writing ${name}.tgz failed"
  chmod 0644 "${out}/${name}.tgz"
}
