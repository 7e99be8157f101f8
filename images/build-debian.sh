#!/usr/bin/env bash
# images/build-debian.sh — build a Debian bookworm sandbox image with
# mmdebstrap + docker import, no registry needed. See images/README.md.
set -euo pipefail

PACKAGES=bash,coreutils,python3,git,procps,ca-certificates,curl,passwd

usage() {
    cat <<EOF
Usage: images/build-debian.sh [--force] [--no-cache] [--include PKG,...] [TAG]

Build a Debian bookworm image with mmdebstrap (variant apt) holding
$PACKAGES,
a user 'user' (uid/gid 1000, home /home/user, shell bash) and /workspace
owned by 1000, then docker import it with PATH set.

  TAG               image tag (default: handbox/debian:bookworm)
  --force           rebuild the image even when TAG exists and is up to date
                    (reuses the cached rootfs tarball)
  --no-cache        also run mmdebstrap again instead of using the cached
                    rootfs tarball (picks up new security updates)
  --include PKGS    extra comma-separated Debian packages (e.g. nodejs)
  -h, --help        show this help

The archive is the Debian bookworm mirror configured on this machine in
/etc/apt/sources.list(.d) (one-line or deb822 format); override it with
HANDBOX_DEBIAN_MIRROR=URL (and HANDBOX_DEBIAN_SECURITY_MIRROR=URL).
The rootfs tarball is cached in \${HANDBOX_CACHE:-~/.cache/handbox}/debian.
Needs root (or working user namespaces for mmdebstrap) and a running Docker
engine (see .ci/setup.sh).
EOF
}

TAG=handbox/debian:bookworm
FORCE=0
NOCACHE=0
while (($#)); do
    case $1 in
    -h | --help) usage; exit 0 ;;
    --force) FORCE=1 ;;
    --no-cache) NOCACHE=1; FORCE=1 ;;
    --include)
        [[ $# -ge 2 && -n $2 ]] || { echo "build-debian.sh: --include needs a package list" >&2; exit 2; }
        PACKAGES+=",$2"; shift ;;
    --include=*) PACKAGES+=",${1#--include=}" ;;
    -*) echo "build-debian.sh: unknown option: $1 (see --help)" >&2; exit 2 ;;
    *) TAG=$1 ;;
    esac
    shift
done

HBI_PROG=build-debian.sh
# shellcheck source=images/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

start=$(hbi_now)
hbi_require_docker
command -v mmdebstrap >/dev/null 2>&1 ||
    hbi_die "mmdebstrap is not installed (apt-get install mmdebstrap, or run .ci/setup.sh)"

mapfile -t sources < <(hbi_debian_sources deb)
((${#sources[@]})) ||
    hbi_die "no Debian bookworm archive found in /etc/apt/sources.list(.d); set HANDBOX_DEBIAN_MIRROR=http://deb.debian.org/debian"

# Everything that shapes the rootfs is in these arguments, so their hash keys
# the cached tarball; the image's recipe adds this script (import options).
mm_args=(
    --variant=apt --format=tar
    --include="$PACKAGES"
    # Man pages, docs and translations are left out as in Docker's slim
    # images; copyright files stay.
    --dpkgopt='path-exclude=/usr/share/man/*'
    --dpkgopt='path-exclude=/usr/share/info/*'
    --dpkgopt='path-exclude=/usr/share/doc/*'
    --dpkgopt='path-include=/usr/share/doc/*/copyright'
    --dpkgopt='path-exclude=/usr/share/locale/*'
    --dpkgopt='path-include=/usr/share/locale/locale.alias'
    --customize-hook='chroot "$1" useradd --create-home --uid 1000 --user-group --shell /bin/bash user'
    --customize-hook='install -d -m 0755 -o 1000 -g 1000 "$1/workspace"'
    --customize-hook='rm -f "$1/etc/hostname" "$1/etc/resolv.conf"'
    bookworm
)
rootfs_key=$(printf '%s\n' "${mm_args[@]}" "${sources[@]}" | sha256sum | cut -c1-16)
recipe=$(echo "$rootfs_key" | cat "${BASH_SOURCE[0]}" "$HBI_ROOT/lib/common.sh" - | sha256sum | cut -c1-16)
if ! hbi_should_build "$TAG" "$recipe" "$FORCE"; then
    hbi_log "$TAG is up to date ($(hbi_image_size "$TAG")); nothing to do (--force rebuilds)"
    exit 0
fi

cachedir=$HBI_CACHE/debian
tarball=$cachedir/bookworm-$rootfs_key.tar
mkdir -p "$cachedir"
if [[ $NOCACHE == 1 || ! -s $tarball ]]; then
    hbi_log "running mmdebstrap (bookworm, variant apt) from: ${sources[*]}"
    mm_start=$(hbi_now)
    rm -f "$tarball.partial"
    mmdebstrap "${mm_args[@]}" "$tarball.partial" "${sources[@]}" ||
        { rm -f "$tarball.partial"; hbi_die "mmdebstrap failed (see its output above)"; }
    mv "$tarball.partial" "$tarball"
    # Keep the three newest rootfs tarballs (other --include sets, older
    # recipes); the rest is dead weight.
    ls -t "$cachedir"/bookworm-*.tar | tail -n +4 | xargs -r rm -f --
    hbi_log "mmdebstrap took $(hbi_elapsed "$mm_start") s; rootfs cached in $tarball"
else
    hbi_log "using cached rootfs $tarball"
fi

hbi_import "$tarball" "$TAG" \
    "ENV $HBI_PATH_ENV" \
    'ENV LANG=C.UTF-8' \
    'WORKDIR /workspace' \
    'CMD ["/bin/bash"]' \
    "LABEL org.handbox.recipe=$recipe" \
    'LABEL org.handbox.image=debian'

out=$(docker run --rm "$TAG" /bin/sh -c "python3 -c 'print(1)' && id -u user && stat -c %u /workspace" 2>&1) || true
if [[ $out != $'1\n1000\n1000' ]]; then
    docker rmi "$TAG" >/dev/null 2>&1 || true
    hbi_die "smoke test failed in $TAG (want python3, user 1000, /workspace owned by 1000): $out"
fi
hbi_log "built $TAG ($(hbi_image_size "$TAG")) in $(hbi_elapsed "$start") s"
