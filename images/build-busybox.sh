#!/usr/bin/env bash
# images/build-busybox.sh — build the smallest sandbox test image: a scratch
# image holding only Debian's static busybox. See images/README.md.
set -euo pipefail

usage() {
    cat <<'EOF'
Usage: images/build-busybox.sh [--force] [TAG]

Build a scratch Docker image that holds only busybox (Debian's
busybox-static, a static executable) and its applet symlinks (/bin/sh,
/usr/bin/env, ...), plus /tmp (1777), /root, /workspace and an /etc/passwd
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

# Pick the busybox binary: the installed busybox-static's, else its .deb.
# Debian's plain "busybox" package also installs /bin/busybox, but linked
# against glibc dynamically: it would not run in a scratch image.
bb=
if hbi_pkg_installed busybox-static && hbi_is_static /bin/busybox; then
    bb=/bin/busybox
    bbver=$(dpkg-query -W -f='${Version}' busybox-static)
else
    hbi_log "busybox-static is not installed: using its .deb from the archive"
    hbi_deb_extract busybox-static "$work/deb"
    bb=$work/deb/bin/busybox
    bbver=$(dpkg-deb -f "$(ls -t "$HBI_CACHE"/debs/busybox-static_*.deb | head -n1)" Version)
fi
hbi_is_static "$bb" || hbi_die "$bb is not a static executable"

root=$work/rootfs
mkdir -p "$root"/{bin,etc,root,tmp,workspace,proc,sys,dev}
install -m 0755 "$bb" "$root/bin/busybox"
hbi_busybox_links "$root/bin/busybox" "$root"
chmod 1777 "$root/tmp"
chmod 0700 "$root/root"
echo 'root:x:0:0:root:/root:/bin/sh' >"$root/etc/passwd"
echo 'root:x:0:' >"$root/etc/group"

hbi_tar_rootfs "$root" "$work/rootfs.tar"
docker import \
    --change "ENV $HBI_PATH_ENV" \
    --change 'WORKDIR /workspace' \
    --change 'CMD ["/bin/sh"]' \
    --change "LABEL org.handbox.recipe=$recipe" \
    --change "LABEL org.handbox.image=busybox" \
    --change "LABEL org.handbox.busybox=debian-busybox-static-$bbver" \
    - "$TAG" <"$work/rootfs.tar" >/dev/null

out=$(docker run --rm "$TAG" /bin/sh -c 'echo ok') || true
if [[ $out != ok ]]; then
    docker rmi "$TAG" >/dev/null 2>&1 || true
    hbi_die "smoke test failed: /bin/sh -c 'echo ok' in $TAG printed '$out'"
fi
hbi_log "built $TAG ($(hbi_image_size "$TAG"), busybox $bbver) in $(hbi_elapsed "$start") s"
