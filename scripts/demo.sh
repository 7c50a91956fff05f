#!/usr/bin/env bash
# The demo: the ims CLI in a throw-away IMS_HOME, on the libvirt provider (the default one).
# Each step shows the command, its output and its exit code, and checks the code is the expected one.
set -uo pipefail
cd "$(dirname "$0")/.." || exit
export IMS_HOME="$PWD/.ims-demo"
rm -rf "$IMS_HOME"
unexpected=0

step() { # expected-exit-code description -- ims words...
  local expected=$1 what=$2; shift 3
  printf '\n\033[1m# %s\033[0m\n$ ims %s\n' "$what" "$*"
  node packages/core/bin/ims.js "$@"
  local code=$?
  if [ "$code" = "$expected" ]; then printf '(exit %s)\n' "$code"; else printf '(exit %s, expected %s)\n' "$code" "$expected"; unexpected=1; fi
}

step 0 'Installed providers, from their manifests only (no provider code runs)' -- plugins
step 0 'The same, importing and checking each provider' -- plugins --verify --json
step 0 'The libvirt provider options, from its config schema' -- config create lab --provider libvirt --help
step 0 'A libvirt configuration for software-emulated guests' -- config create lab --provider libvirt --domain-type qemu --pool ims
step 2 'Options are validated against the schema' -- config create lab2 --provider libvirt --domain-type xen
step 2 'Hostile names never reach a provider' -- config create 'a;rm -rf /' --provider libvirt
step 3 'Unknown providers are named' -- config create lab3 --provider hyper-v
step 0 'The configuration, defaults filled in' -- config show lab
step 1 'The libvirt operations are not available in this version yet, and say so' -- vm list --config lab
step 1 'What is installed and what each configuration can reach' -- doctor

printf '\nState is in %s: ' "$IMS_HOME"; ls "$IMS_HOME"
if [ $unexpected = 0 ]; then echo 'Demo finished: every step behaved as expected.'; else echo 'Demo finished with unexpected exit codes (see above).'; fi
exit $unexpected
