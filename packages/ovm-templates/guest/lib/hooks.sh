# shellcheck shell=sh
# Step 6: the application's hooks, every executable regular file in /etc/ims/boot.d/, in name order,
# with the boot parameters in their environment. A failing hook is reported; the others still run.

# Runs each hook in /etc/ims/boot.d/.
ims_run_hooks() {
  hooks_dir=$(ims_path /etc/ims/boot.d)
  [ -d "$hooks_dir" ] || return 0
  for hooks_path in "$hooks_dir"/*; do
    if ims_is_runnable_hook "$hooks_path"; then
      ims_run_hook "$hooks_path"
    fi
  done
}

# True for an executable regular file.
ims_is_runnable_hook() {
  [ -f "$1" ] && [ -x "$1" ]
}

# Runs one hook from the root directory, its output on the console, and reports its exit code.
ims_run_hook() {
  hook_name=${1##*/}
  if ! hook_status_file=$(mktemp "${TMPDIR:-/tmp}/ims-hook-status.XXXXXX"); then
    ims_warn "cannot create a temporary file; hook $hook_name not run"
    return 0
  fi
  {
    hook_status=0
    (cd "$(ims_path /)" && exec "$1") </dev/null 2>&1 9>&- || hook_status=$?
    printf '%s\n' "$hook_status" >"$hook_status_file"
  } | ims_prefix_lines "hook $hook_name: "
  hook_status=$(cat "$hook_status_file")
  rm -f "$hook_status_file"
  ims_say "hook $hook_name exit ${hook_status:-unknown}"
}

# Writes each line of standard input to the console after the prefix.
ims_prefix_lines() {
  while IFS= read -r prefix_line || [ -n "$prefix_line" ]; do
    ims_say "$1$prefix_line"
  done
}
