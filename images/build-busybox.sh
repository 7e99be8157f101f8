#!/usr/bin/env bash
# images/build-busybox.sh — build the smallest sandbox test image: a scratch
# image holding only Debian's static busybox. See images/README.md.
set -euo pipefail

usage() {
    cat <<'EOF'
Usage: images/build-busybox.sh [--force] [TAG]

Build a scratch Docker image that holds only busybox (Debian's
busybox-static, a static executable) and its applet symlinks (/bin/sh,
/usr/bin/env, ...), plus /tmp (1777), /root, /workspace (owned by uid 1000) and an /etc/passwd
that contains only root. No other Debian userland.

  TAG        image tag (default: handbox/busybox:latest)
  --force    rebuild even when TAG exists and is up to date
  -h, --help show this help

The busybox binary is /bin/busybox when busybox-static is installed,
otherwise busybox-static's .deb is fetched with apt-get download into
${HANDBOX_CACHE:-~/.cache/handbox}/debs and unpacked.
Needs a running Docker engine (see .ci/setup.sh).
EOF
}

TAG=handbox/busybox:latest
FORCE=0
while (($#)); do
    case $1 in
    -h | --help) usage; exit 0 ;;
    --force) FORCE=1 ;;
    -*) echo "build-busybox.sh: unknown option: $1 (see --help)" >&2; exit 2 ;;
    *) TAG=$1 ;;
    esac
    shift
done

HBI_PROG=build-busybox.sh
# shellcheck source=images/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

start=$(hbi_now)
hbi_require_docker
recipe=$(hbi_recipe_hash "${BASH_SOURCE[0]}" "$HBI_ROOT/lib/common.sh")
if ! hbi_should_build "$TAG" "$recipe" "$FORCE"; then
    hbi_log "$TAG is up to date ($(hbi_image_size "$TAG")); nothing to do (--force rebuilds)"
    exit 0
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/handbox-busybox.XXXXXX")
trap 'rm -rf "$work"' EXIT

hbi_busybox_static "$work"
bb=$HBI_BB
bbver=$HBI_BB_VERSION

root=$work/rootfs
mkdir -p "$root"/{bin,etc,root,tmp,workspace,proc,sys,dev}
install -m 0755 "$bb" "$root/bin/busybox"
hbi_busybox_links "$root/bin/busybox" "$root"
chmod 1777 "$root/tmp"
chmod 0700 "$root/root"
echo 'root:x:0:0:root:/root:/bin/sh' >"$root/etc/passwd"
echo 'root:x:0:' >"$root/etc/group"

# /workspace belongs to uid 1000, the sandbox user commands run as by
# default, as in the Debian image
hbi_tar_rootfs "$root" "$work/rootfs.tar" 1000:1000:./workspace
hbi_import "$work/rootfs.tar" "$TAG" \
    "ENV $HBI_PATH_ENV" \
    'WORKDIR /workspace' \
    'CMD ["/bin/sh"]' \
    "LABEL org.handbox.recipe=$recipe" \
    'LABEL org.handbox.image=busybox' \
    "LABEL org.handbox.busybox=debian-busybox-static-$bbver"

out=$(docker run --rm "$TAG" /bin/sh -c 'echo ok') || true
if [[ $out != ok ]]; then
    docker rmi "$TAG" >/dev/null 2>&1 || true
    hbi_die "smoke test failed: /bin/sh -c 'echo ok' in $TAG printed '$out'"
fi
hbi_log "built $TAG ($(hbi_image_size "$TAG"), busybox $bbver) in $(hbi_elapsed "$start") s"
