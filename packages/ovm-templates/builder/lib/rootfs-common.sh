# shellcheck shell=bash
# What every base gets: the IMS boot scripts, the boot hooks, the host name and /etc/ims.

# guest_dir — the boot scripts to install (checked once, before any download).
guest_dir() {
  local dir=${OPT_GUEST_DIR:-${PACKAGE_DIR}/guest}
  if [[ ! -f "${dir}/ims-bootconfig" ]]; then
    die "the IMS boot scripts are missing: ${dir}/ims-bootconfig does not exist" \
      "install @ims/ovm-templates completely, or point --guest-dir at a directory holding ims-bootconfig"
  fi
  printf '%s\n' "${dir}"
}

# install_guest_scripts TREE GUEST_DIR — copies GUEST_DIR to TREE/usr/lib/ims (root-owned, no
# group/other write, executables stay executable).
install_guest_scripts() {
  local tree=$1 src=$2 dest="$1/usr/lib/ims"
  mkdir -p "${dest}"
  cp -R -- "${src}/." "${dest}/" || die "copying the boot scripts from ${src} failed"
  find "${dest}" -type d -exec chmod 0755 {} +
  find "${dest}" -type f -perm /0111 -exec chmod 0755 {} +
  find "${dest}" -type f ! -perm /0111 -exec chmod 0644 {} +
  chmod 0755 "${dest}/ims-bootconfig"
}

# install_common TREE NAME GUEST_DIR — boot scripts, hooks, /etc/ims, host name.
install_common() {
  local tree=$1 name=$2 guest=$3 hook
  install_guest_scripts "${tree}" "${guest}"
  install -d -m 0755 "${tree}/etc/ims" "${tree}/etc/ims/boot.d" "${tree}/opt/app"
  for hook in "${OPT_HOOKS[@]}"; do
    install -m 0755 "${hook}" "${tree}/etc/ims/boot.d/$(basename -- "${hook}")"
  done
  # The template's name until the boot parameters say otherwise.
  printf '%s\n' "${name}" >"${tree}/etc/hostname"
  printf '127.0.0.1\tlocalhost\n127.0.1.1\t%s\n::1\tlocalhost ip6-localhost ip6-loopback\n' "${name}" >"${tree}/etc/hosts"
}
