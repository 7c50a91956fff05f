# shellcheck shell=bash
# Disk images: ext4 from a directory tree (no mount, reproducible), the application content, and the
# boot-parameter placeholder.

# Bytes of the Bootparams.img placeholder: zeros, i.e. "no boot parameters" (see the template README).
readonly BOOTPARAMS_PLACEHOLDER_BYTES=65536

# stable_uuid SEED — a UUID derived from SEED, so the same template gets the same file system UUIDs.
stable_uuid() {
  local h
  h=$(printf '%s' "$1" | sha256sum | cut -c1-32)
  printf '%s-%s-4%s-8%s-%s\n' "${h:0:8}" "${h:8:4}" "${h:13:3}" "${h:17:3}" "${h:20:12}"
}

# tree_size_mb TREE — MiB the tree needs as ext4: its data plus room for metadata and the journal.
tree_size_mb() {
  local used
  used=$(du -s --block-size=1M -- "$1" | cut -f1)
  printf '%s\n' $((used * 5 / 4 + 16))
}

# allocated_inodes IMAGE — numbers of the inodes in use (the root and everything mke2fs -d added).
allocated_inodes() {
  dumpe2fs "$1" 2>/dev/null | awk -F': *' '
    /^Inode count:/ { count = $2 }
    /^  Free inodes: / {
      n = split($2, ranges, ", ")
      for (i = 1; i <= n; i++) {
        if (ranges[i] == "") continue
        k = split(ranges[i], r, "-")
        hi = (k == 2) ? r[2] : r[1]
        for (j = r[1] + 0; j <= hi + 0; j++) free[j] = 1
      }
    }
    END { for (i = 1; i <= count; i++) if (!(i in free) && (i == 2 || i >= 11)) print i }'
}

# make_ext4 TREE IMAGE LABEL SIZE_MB EPOCH — an ext4 image holding TREE, built without mounting.
# Reproducible: UUID and hash seed derive from the image's name and label, every time stamp is
# EPOCH (mke2fs copies each file's ctime, which only debugfs can set afterwards).
make_ext4() {
  local tree=$1 image=$2 label=$3 size_mb=$4 epoch=$5 uuid out
  uuid=$(stable_uuid "${OPT_NAME}/${label}")
  touch_tree "${tree}" "${epoch}"
  rm -f -- "${image}"
  if ! out=$(E2FSPROGS_FAKE_TIME=${epoch} mke2fs -q -F -t ext4 -L "${label}" -U "${uuid}" \
    -E "hash_seed=${uuid},root_owner=0:0" -d "${tree}" "${image}" "${size_mb}M" 2>&1); then
    die "mke2fs could not build $(basename "${image}") (${size_mb} MiB): ${out}" \
      "if the content does not fit, give a larger --size-mb"
  fi
  # Built by a user other than root, the files carry that user's ids: the guest gets them as root's.
  allocated_inodes "${image}" | awk -v t="${epoch}" -v chown="$((EUID != 0))" '{
    printf "sif <%s> ctime @%s\n", $1, t
    if (chown) printf "sif <%s> uid 0\nsif <%s> gid 0\n", $1, $1
  }' >"${image}.times"
  if ! out=$(E2FSPROGS_FAKE_TIME=${epoch} debugfs -w -f "${image}.times" "${image}" 2>&1 >/dev/null); then
    die "debugfs could not set the time stamps in $(basename "${image}"): ${out}"
  fi
  rm -f -- "${image}.times"
  if ! out=$(e2fsck -fn "${image}" 2>&1); then
    die "the new $(basename "${image}") fails e2fsck: ${out}"
  fi
  chmod 0644 "${image}"
}

# check_archive_listing ARCHIVE — refuses archives with absolute names, '..' or links leading out.
check_archive_listing() {
  local archive=$1 listing name target
  listing=$(tar --quoting-style=escape -tf "${archive}" 2>&1) ||
    die "cannot read the --app archive ${archive}: ${listing##*$'\n'}" "check that it is a .tar, .tgz or .tar.gz file"
  while IFS= read -r name; do
    if [[ ${name} == /* || ${name} =~ (^|/)\.\.(/|$) ]]; then
      die "refusing the --app archive ${archive}: unsafe member name '${name}' (absolute or with '..')" \
        "rebuild the archive with relative names inside one directory tree"
    fi
  done <<<"${listing}"
  listing=$(tar --quoting-style=escape -tvf "${archive}" 2>/dev/null) || true
  while IFS= read -r target; do
    if [[ ${target} == /* || ${target} =~ (^|/)\.\.(/|$) ]]; then
      die "refusing the --app archive ${archive}: a hard link points outside it ('${target}')" \
        "rebuild the archive without such links"
    fi
  done < <(awk '/^h/ { i = index($0, " link to "); if (i > 0) print substr($0, i + 9) }' <<<"${listing}")
}

# stage_app SOURCE STAGING — the application content as a root-owned tree in STAGING.
stage_app() {
  local src=$1 staging=$2
  mkdir -p "${staging}"
  if [[ -d ${src} ]]; then
    cp -R -- "${src}/." "${staging}/" || die "copying the --app directory ${src} failed"
  else
    check_archive_listing "${src}"
    tar -C "${staging}" --no-same-owner --no-same-permissions -xf "${src}" ||
      die "extracting the --app archive ${src} failed"
  fi
}

# make_app_image STAGING IMAGE EPOCH — Application.img (label ims-app); empty without --app.
make_app_image() {
  local staging=$1 image=$2 epoch=$3 size
  size=$(tree_size_mb "${staging}")
  ((size >= 16)) || size=16
  make_ext4 "${staging}" "${image}" ims-app "${size}" "${epoch}"
}

# make_bootparams_placeholder IMAGE — zeros: no boot parameters until IMS writes the real image.
make_bootparams_placeholder() {
  head -c "${BOOTPARAMS_PLACEHOLDER_BYTES}" /dev/zero >"$1"
  chmod 0644 "$1"
}
