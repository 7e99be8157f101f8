#!/usr/bin/env bash
# images/build-all.sh — build the handbox sandbox images and check them.
set -euo pipefail

usage() {
    cat <<'EOF'
Usage: images/build-all.sh [--force] [--no-cache] [--no-verify]

Build the sandbox images handbox's tests use, from Debian packages (no
registry; code-server from the npm registry), then run images/verify.sh:
  handbox/busybox:latest   build/handbox image build --base busybox
  handbox/sandbox:latest   build/handbox image build --base bookworm
  handbox/musl:latest      images/build-musl.sh
  handbox/sandbox:desktop  build/handbox image build --with vscode,desktop
Each build skips an image that is up to date. Prints what was built and how
long each step took; exits non-zero if a build or a check failed.

  --force      rebuild every image (cached rootfs and busybox are reused)
  --no-cache   rebuild everything from the Debian archive
  --no-verify  skip images/verify.sh
  -h, --help   show this help

Needs build/handbox (run make first; HANDBOX=PATH names another binary) and
a running Docker engine (bash .ci/setup.sh --docker-only starts one).
See docs/images.md.
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
hbi_require_handbox
hbi_require_docker

all_start=$(hbi_now)
summary=()
failed=0
for spec in busybox:handbox/busybox:latest bookworm:handbox/sandbox:latest \
    musl:handbox/musl:latest desktop:handbox/sandbox:desktop; do
    base=${spec%%:*}
    tag=${spec#*:}
    case $base in
    musl) cmd=("$here/build-musl.sh" "${opts[@]}" "$tag") ;;
    desktop) cmd=("$HBI_HANDBOX" image build --with "vscode,desktop" --tag "$tag" "${opts[@]}") ;;
    *) cmd=("$HBI_HANDBOX" image build --base "$base" --tag "$tag" "${opts[@]}") ;;
    esac
    echo "==> ${cmd[*]}"
    t=$(hbi_now)
    if "${cmd[@]}"; then
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
