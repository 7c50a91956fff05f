# shellcheck shell=bash
# Debian packages fetched with `apt-get download` and kept in a cache, so later builds need no network.

CACHE_DIR=${IMS_TEMPLATE_CACHE:-${HOME:-/root}/.cache/ims-templates}

# init_cache — creates the cache directories.
init_cache() {
  mkdir -p "${CACHE_DIR}/debs" "${CACHE_DIR}/debootstrap" ||
    die "cannot create the download cache ${CACHE_DIR}" "set IMS_TEMPLATE_CACHE to a writable directory"
}

# deb_uri_line PACKAGE — apt's "'URI' FILE SIZE SHA256:HASH" line for the candidate version.
deb_uri_line() {
  local pkg=$1 out
  if ! out=$(apt-get download --print-uris "${pkg}" 2>&1); then
    die "apt cannot locate the package '${pkg}': ${out##*$'\n'}" \
      "run 'apt-get update' (the package lists may be missing) and check the apt sources"
  fi
  out=$(grep "^'" <<<"${out}" | head -n 1)
  [[ -n ${out} ]] || die "apt printed no download address for '${pkg}'" "run 'apt-get update'"
  printf '%s\n' "${out}"
}

# fetch_deb PACKAGE — prints the path of the package's .deb in the cache, downloading it when missing
# or when the cached copy does not match apt's checksum.
fetch_deb() {
  local pkg=$1 line file hash cached tmp
  line=$(deb_uri_line "${pkg}")
  read -r _ file _ hash <<<"${line}"
  hash=${hash#SHA256:}
  cached="${CACHE_DIR}/debs/${file}"
  if [[ -f ${cached} ]] && [[ $(sha256sum <"${cached}" | cut -d' ' -f1) == "${hash}" ]]; then
    printf '%s\n' "${cached}"
    return 0
  fi
  log "downloading ${file}"
  # Download next to the cache and rename: concurrent builds never see a half-written file.
  tmp=$(mktemp -d "${CACHE_DIR}/debs/.download.XXXXXX")
  if ! (cd "${tmp}" && apt-get download -q "${pkg}" >"${tmp}/.log" 2>&1); then
    local reason
    reason=$(grep -E '^(E|Err):' "${tmp}/.log" | head -n 1)
    rm -rf -- "${tmp}"
    die "downloading the package '${pkg}' failed: ${reason:-see apt-get download ${pkg}}" \
      "check that the Debian mirror in /etc/apt/sources.list.d is reachable"
  fi
  if [[ $(sha256sum <"${tmp}/${file}" | cut -d' ' -f1) != "${hash}" ]]; then
    rm -rf -- "${tmp}"
    die "the downloaded '${file}' does not match apt's SHA-256" "run 'apt-get update' and try again"
  fi
  mv -f -- "${tmp}/${file}" "${cached}"
  rm -rf -- "${tmp}"
  printf '%s\n' "${cached}"
}

# kernel_package — the versioned image package the linux-image-cloud-amd64 metapackage points at.
kernel_package() {
  local meta depends pkg
  meta=$(fetch_deb linux-image-cloud-amd64)
  depends=$(dpkg-deb -f "${meta}" Depends)
  pkg=$(tr ',' '\n' <<<"${depends}" | grep -oE 'linux-image-[0-9][^ (]*-cloud-amd64' | head -n 1)
  [[ -n ${pkg} ]] || die "linux-image-cloud-amd64 depends on no cloud kernel image ('${depends}')"
  printf '%s\n' "${pkg}"
}
