#!/usr/bin/env bash
# images/build-all.sh — build the three handbox test images and check them.
set -euo pipefail

usage() {
    cat <<'EOF'
Usage: images/build-all.sh [--force] [--no-cache] [--no-verify]

Build handbox/busybox:latest, handbox/debian:bookworm and handbox/musl:latest
with images/build-{busybox,debian,musl}.sh (each skips an image that is up
to date), then run images/verify.sh. Prints what was built and how long
each step took; exits non-zero if a build or a check failed.

  --force      rebuild every image (cached rootfs and busybox are reused)
  --no-cache   rebuild everything from the Debian archive
  --no-verify  skip images/verify.sh
  -h, --help   show this help
EOF
}

opts=()
VERIFY=1
for a in "$@"; do
    case $a in
    -h | --help) usage; exit 0 ;;
    --force | --no-cache) opts+=("$a") ;;
    --no-verify) VERIFY=0 ;;
    *) echo "build-all.sh: unknown argument: $a (see --help)" >&2; exit 2 ;;
    esac
done

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
HBI_PROG=build-all.sh
# shellcheck source=images/lib/common.sh
source "$here/lib/common.sh"
hbi_require_docker

all_start=$(hbi_now)
summary=()
failed=0
for spec in busybox:handbox/busybox:latest debian:handbox/debian:bookworm musl:handbox/musl:latest; do
    name=${spec%%:*}
    tag=${spec#*:}
    echo "==> images/build-$name.sh $tag"
    t=$(hbi_now)
    if "$here/build-$name.sh" "${opts[@]}" "$tag"; then
        status=ok
    else
        status=FAILED
        failed=1
    fi
    size=$(hbi_image_size "$tag")
    summary+=("$(printf '%-24s %-7s %8s s  %s' "$tag" "$status" "$(hbi_elapsed "$t")" "${size:--}")")
done

if [[ $VERIFY == 1 && $failed == 0 ]]; then
    echo "==> images/verify.sh"
    t=$(hbi_now)
    if "$here/verify.sh"; then status=ok; else status=FAILED; failed=1; fi
    summary+=("$(printf '%-24s %-7s %8s s' "(verify.sh)" "$status" "$(hbi_elapsed "$t")")")
fi

echo
echo "handbox images:"
printf '  %-24s %-7s %10s  %s\n' IMAGE STATUS TIME SIZE
printf '  %s\n' "${summary[@]}"
echo "  total $(hbi_elapsed "$all_start") s"
exit "$failed"
