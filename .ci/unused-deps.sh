#!/usr/bin/env bash
# Fails when a crate of the workspace declares a dependency its code never names:
# every name under [dependencies] (and the root package's [dev-dependencies]) must
# appear as a word (with `-` as `_`) in that crate's sources. The rejected
# alternative, cargo-udeps, needs a nightly compiler; cargo-machete works the same
# way as this script but is one more tool to install in CI.
#
# Kept on purpose though no code names it: reqwest-s3 (reqwest 0.13, named only to
# build object_store's S3 client with rustls's ring provider instead of aws-lc).
set -euo pipefail
cd "$(dirname "$0")/.."
KEEP=" reqwest-s3 "
status=0
# crate manifest, section, source folders
check() {
  local manifest=$1 section=$2; shift 2
  local names
  names=$(awk -v s="[$section]" '$0 == s {on = 1; next} /^\[/ {on = 0} on && /^[a-zA-Z0-9_-]+[ .=]/ {sub(/[ .=].*/, ""); print}' "$manifest")
  for dep in $names; do
    case "$KEEP" in *" $dep "*) continue ;; esac
    word=${dep//-/_}
    if ! grep -rqw --include='*.rs' "$word" "$@"; then
      echo "unused dependency: $dep in $manifest [$section]" >&2
      status=1
    fi
  done
}
check api/Cargo.toml dependencies api/src api/tests
check api/Cargo.toml dev-dependencies api/src api/tests
check entity/Cargo.toml dependencies entity/src
check migration/Cargo.toml dependencies migration/src
check Cargo.toml dev-dependencies tests
check bench/serve-file/Cargo.toml dependencies bench/serve-file/src
[ "$status" = 0 ] && echo "no unused dependency"
exit "$status"
