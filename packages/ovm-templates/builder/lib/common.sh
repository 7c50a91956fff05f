# shellcheck shell=bash
# Messages, failures, timing and the clean-up trap shared by every step of ims-template-build.

readonly PROG=ims-template-build

# Exit codes: 1 = the build failed, 2 = the command line is wrong.
readonly EXIT_FAILED=1
readonly EXIT_USAGE=2

BUILD_STARTED=${EPOCHREALTIME}

# Paths the EXIT trap removes; appended to by the steps that create them.
CLEANUP_PATHS=()

# log MESSAGE... — one progress line on stderr, with the seconds since the build started.
log() {
  printf '%s: [%6.1fs] %s\n' "${PROG}" "$(elapsed)" "$*" >&2
}

# warn MESSAGE...
warn() {
  printf '%s: warning: %s\n' "${PROG}" "$*" >&2
}

# die MESSAGE [HINT] — the build failed.
die() {
  printf '%s: error: %s\n' "${PROG}" "$1" >&2
  if [[ -n ${2:-} ]]; then
    printf '  hint: %s\n' "$2" >&2
  fi
  exit "${EXIT_FAILED}"
}

# usage_error MESSAGE — the command line is wrong.
usage_error() {
  printf '%s: error: %s\n' "${PROG}" "$1" >&2
  printf "Try '%s --help'.\n" "${PROG}" >&2
  exit "${EXIT_USAGE}"
}

# elapsed — seconds since the build started, one decimal.
elapsed() {
  local now=${EPOCHREALTIME}
  awk -v a="${BUILD_STARTED}" -v b="${now}" 'BEGIN { printf "%.1f", b - a }'
}

# require_tool COMMAND DEBIAN_PACKAGE — fail early, naming the package to install.
require_tool() {
  if ! command -v "$1" >/dev/null 2>&1; then
    die "the tool '$1' is not installed" "install it: apt-get install -y $2"
  fi
}

# mounts_below DIR — mount points at or below DIR, deepest first.
mounts_below() {
  local dir=$1
  awk -v d="${dir}" '$2 == d || index($2, d "/") == 1 { print $2 }' /proc/mounts | sort -r
}

# remove_tree DIR — removes a work tree, but never through a mount left behind (debootstrap mounts
# /proc and /sys inside its target; an interrupted run can leave them there).
remove_tree() {
  local dir=$1 mnt
  [[ -e ${dir} ]] || return 0
  while IFS= read -r mnt; do
    [[ -n ${mnt} ]] && umount -l "${mnt}" 2>/dev/null
  done < <(mounts_below "${dir}")
  if [[ -n $(mounts_below "${dir}") ]]; then
    warn "left ${dir} in place: something is still mounted below it"
    return 0
  fi
  rm -rf --one-file-system -- "${dir}"
}

cleanup() {
  local path
  for path in "${CLEANUP_PATHS[@]}"; do
    remove_tree "${path}"
  done
}

# make_work_dir VAR — a private temporary directory in VAR, removed when the build ends (not a
# command substitution: the clean-up list must grow in this shell).
make_work_dir() {
  local -n dir_var=$1
  dir_var=$(mktemp -d "${TMPDIR:-/tmp}/ims-template-build.XXXXXX") || die "cannot create a temporary directory"
  CLEANUP_PATHS+=("${dir_var}")
}

# touch_tree DIR EPOCH — gives every entry the same times, for reproducible images and archives.
touch_tree() {
  find "$1" -exec touch -h -d "@$2" {} +
}
