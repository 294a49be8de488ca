#!/usr/bin/env bash
# For each official revision in the history folder, regenerated to today's
# spec as a user would (`cargo xtask spec --from`, then `cargo xtask
# codegen`): the change report's "Breaking Changes" beside what
# cargo-semver-checks finds between the two generated crates (the SDK and
# the typed mock).
#
#   tests/scripts/semver-checks.sh [HISTORY_DIR] [TODAY_SPEC]
#
# Defaults: ../shared/reference/history and
# ../shared/reference/atlas-admin-api-v2.yaml.gz beside the workspace.
# Needs cargo-semver-checks (`cargo install cargo-semver-checks --locked`);
# without it, says so and exits 0. Works in target/semver-history: two
# copies of the committed workspace per revision, one target directory.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
history=${1:-$root/../shared/reference/history}
today=${2:-$root/../shared/reference/atlas-admin-api-v2.yaml.gz}
if ! cargo semver-checks --version >/dev/null 2>&1; then
    echo "cargo-semver-checks is not installed (cargo install cargo-semver-checks --locked): nothing compared"
    exit 0
fi
work=$root/target/semver-history
export CARGO_TARGET_DIR=$work/target
mkdir -p "$work"

# A copy of the committed workspace.
copy() {
    rm -rf "$1"
    mkdir -p "$1"
    git -C "$root" archive HEAD | tar -x -C "$1"
}

# Cuts $2 into the workspace $1 as a user of that revision had it: the
# operations whose pinned API version $2 does not offer moved to one it
# does, and its `required` as it says (no member kept required).
cut() {
    local out upgrades=()
    if ! out=$(cd "$1" && cargo xtask spec --from "$2" --unpin-required 2>&1); then
        mapfile -t upgrades < <(grep -o -- '--upgrade [a-z_0-9]*' <<<"$out" | sort -u | awk '{print "--upgrade"; print $2}')
        if [ ${#upgrades[@]} -eq 0 ]; then
            echo "$out" >&2
            return 1
        fi
        (cd "$1" && cargo xtask spec --from "$2" --unpin-required "${upgrades[@]}" >/dev/null)
    fi
}

for revision in "$history"/*.yaml*; do
    name=$(basename "$revision")
    name=${name%%.yaml*}
    old=$work/$name/old
    new=$work/$name/new
    copy "$old"
    cut "$old" "$revision"
    (cd "$old" && cargo xtask codegen >/dev/null)
    copy "$new"
    cp "$old/openapi/atlas-live-migration.yaml" "$new/openapi/atlas-live-migration.yaml"
    (cd "$new" && cargo xtask spec --from "$today" --report "$work/$name/report.md" >/dev/null)
    (cd "$new" && cargo xtask codegen >/dev/null)
    echo "## $name -> $(basename "$today")"
    echo
    echo "### The report's breaking items"
    sed -n '/^### Breaking Changes/,/^### /p' "$work/$name/report.md" | grep '^- ' | sed 's/\. Cause: .*//' || echo "(none)"
    echo
    echo "### cargo-semver-checks"
    for package in atlas-live-migration-api atlas-live-migration-httpmock; do
        (cd "$new" && cargo semver-checks check-release --package "$package" \
            --baseline-root "$old" --release-type patch 2>&1) |
            grep -E '^(--- failure|Failed in:|  [a-z_:]|     Summary)' || true
    done
    echo
done
