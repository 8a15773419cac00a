#!/bin/sh
# Runs the ledger-commit workload under valgrind and fails if any
# definitely-lost record has a libgit2 frame.
#
# Usage: scripts/leakcheck.sh [COMMITS]   (default 300; valgrind is slow)
#
# The workload is scripts/leakcheck/main.swift, compiled against the
# library objects of a debug build. (The swift-testing runner itself cannot
# run under valgrind 3.19: it dies inside the concurrency runtime.)
set -eu

commits="${1:-300}"
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

swift build --target WritOps >/dev/null
bin_path="$(swift build --show-bin-path)"
work="$(mktemp -d -t writ-leakcheck.XXXXXX)"
trap 'rm -rf "$work"' EXIT

# The library targets' objects plus those of the packages they depend on,
# passed through a response file because some object names hold spaces.
: >"$work/objects"
for target in WritCore WritSystem WritGit WritOps CWritGit Crypto _CryptoExtras CCryptoBoringSSL CCryptoBoringSSLShims CryptoBoringWrapper SwiftASN1 Logging; do
    if [ -d "$bin_path/$target.build" ]; then
        find "$bin_path/$target.build" -name '*.o' | sed 's/.*/"&"/' >>"$work/objects"
    fi
done
# C modules (CWritGit and those of dependencies) are found through their
# generated module maps.
module_maps=""
for map in "$bin_path"/*.build/module.modulemap; do
    [ -f "$map" ] && module_maps="$module_maps -Xcc -fmodule-map-file=$map"
done
# The workload uses the git layer's `package` API, so it is compiled as a
# member of the package: SwiftPM names the package after its directory.
package_name="$(basename "$root" | sed 's/[^A-Za-z0-9_]/_/g')"
# shellcheck disable=SC2086
swiftc -package-name "$package_name" -I "$bin_path/Modules" -I Sources/Clibgit2 $module_maps \
    scripts/leakcheck/main.swift "@$work/objects" \
    -lgit2 -lstdc++ -o "$work/leakcheck"
# valgrind 3.19 cannot read the DWARF 5 debug info Swift emits; the symbol
# table stays, so frames still carry function names.
objcopy --strip-debug "$work/leakcheck"

log="$work/valgrind.log"
echo "leakcheck: $commits ledger commits under valgrind"
if ! WRIT_GIT_COUNT_ALLOCATIONS=1 valgrind --leak-check=full --show-leak-kinds=definite,possible --num-callers=40 \
    --log-file="$log" "$work/leakcheck" "$commits"; then
    echo "leakcheck: the workload failed under valgrind" >&2
    cat "$log" >&2
    exit 1
fi
grep -E "definitely lost:|indirectly lost:|possibly lost:|ERROR SUMMARY" "$log" | sed 's/^==[0-9]*== *//'

# Each loss record is a paragraph starting "... are definitely lost in loss record".
lost_git="$(awk '
    /are definitely lost in loss record/ { inrec = 1; rec = $0; next }
    inrec && /^==[0-9]+== *$/ { if (rec ~ /git_|libgit2/) print rec "\n"; inrec = 0; next }
    inrec { rec = rec "\n" $0 }
' "$log")"
if [ -n "$lost_git" ]; then
    echo "leakcheck: definitely-lost records with libgit2 frames:" >&2
    echo "$lost_git" >&2
    exit 1
fi
echo "leakcheck: no definitely-lost record has a libgit2 frame"
