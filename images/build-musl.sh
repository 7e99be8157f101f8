#!/usr/bin/env bash
# images/build-musl.sh — build an "Alpine-like" image whose only C library is
# musl, assembled from Debian packages. See docs/images.md for what it
# holds and how far it is from Alpine.
set -euo pipefail

usage() {
    cat <<'EOF'
Usage: images/build-musl.sh [--force] [--no-cache] [--busybox MODE] [TAG]

Build a scratch image whose userland is musl-based and holds no glibc:
  /lib/ld-musl-<arch>.so.1   musl's loader and libc (Debian package musl)
  /bin/busybox + applets     busybox compiled from Debian's source with
                             musl-gcc, dynamically linked against musl
  /usr/local/bin/hb-musl-probe  a test program (musl-gcc, dynamic) that
                             prints its libc, loader and loaded objects
  /usr/bin/ldd               Alpine's ldd (ld-musl --list)
  users root, user (1000), nobody; /workspace and /home/user owned by 1000

  TAG             image tag (default: handbox/musl:latest)
  --force         rebuild even when TAG exists and is up to date
  --no-cache      also rebuild busybox from source (implies --force)
  --busybox MODE  source: musl busybox from Debian's source (fail if it
                  cannot be built); static: Debian's busybox-static (a
                  static glibc executable: no libc file in the image, but
                  glibc code inside /bin/busybox); auto (default): source,
                  falling back to static with a warning
  -h, --help      show this help

Needs musl-tools (musl-gcc), build-essential, a Debian archive reachable for
apt-get source (first build only; cached in ${HANDBOX_CACHE:-~/.cache/handbox}),
build/handbox (make; it imports the image: HANDBOX=PATH names another) and a
running Docker engine (see .ci/setup.sh).
EOF
}

TAG=handbox/musl:latest
FORCE=0
NOCACHE=0
BUSYBOX=auto
while (($#)); do
    case $1 in
    -h | --help) usage; exit 0 ;;
    --force) FORCE=1 ;;
    --no-cache) NOCACHE=1; FORCE=1 ;;
    --busybox) [[ $# -ge 2 ]] || { echo "build-musl.sh: --busybox needs a MODE" >&2; exit 2; }
        BUSYBOX=$2; shift ;;
    --busybox=*) BUSYBOX=${1#--busybox=} ;;
    -*) echo "build-musl.sh: unknown option: $1 (see --help)" >&2; exit 2 ;;
    *) TAG=$1 ;;
    esac
    shift
done
case $BUSYBOX in
source | static | auto) ;;
*) echo "build-musl.sh: --busybox: \"$BUSYBOX\": must be source, static or auto" >&2; exit 2 ;;
esac

HBI_PROG=build-musl.sh
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=images/lib/common.sh
source "$here/lib/common.sh"

start=$(hbi_now)
hbi_require_docker
march=$(uname -m)
case $march in
x86_64 | aarch64) ;;
*) hbi_die "unsupported architecture $march (x86_64 and aarch64 only)" ;;
esac
hbi_require_pkgs musl musl-dev musl-tools gcc
ldso=/lib/ld-musl-$march.so.1
libc=$(readlink -f "$ldso")
[[ -f $libc ]] || hbi_die "$ldso is missing although package musl is installed"
musl_version=$(dpkg-query -W -f='${Version}' musl)

recipe=$(echo "$BUSYBOX $musl_version" | cat "${BASH_SOURCE[0]}" "$here/lib/common.sh" \
    "$here/musl/hb-musl-probe.c" "$here/musl/build-busybox-musl.sh" - | sha256sum | cut -c1-16)
if ! hbi_should_build "$TAG" "$recipe" "$FORCE"; then
    hbi_log "$TAG is up to date ($(hbi_image_size "$TAG")); nothing to do (--force rebuilds)"
    exit 0
fi

hbi_require_handbox
work=$(mktemp -d "${TMPDIR:-/tmp}/handbox-musl.XXXXXX")
trap 'rm -rf "$work"' EXIT

# busybox: musl-linked from source, or Debian's static one.
bb=$work/busybox
bbdesc=
if [[ $BUSYBOX != static ]]; then
    nc=()
    [[ $NOCACHE == 0 ]] || nc=(--no-cache)
    if "$here/musl/build-busybox-musl.sh" "${nc[@]}" "$bb"; then
        bbdesc=$(cat "$bb.version")
    elif [[ $BUSYBOX == source ]]; then
        hbi_die "could not build busybox against musl (--busybox source)"
    else
        hbi_warn "could not build busybox against musl: falling back to Debian's" \
            "busybox-static, a static glibc executable (glibc code inside /bin/busybox)"
    fi
fi
if [[ -z $bbdesc ]]; then
    hbi_busybox_static
    install -m 0755 "$HBI_BB" "$bb"
    bbdesc="busybox $HBI_BB_VERSION (Debian busybox-static, static glibc)"
fi

root=$work/rootfs
mkdir -p "$root"/{bin,sbin,etc,lib,root,tmp,var/tmp,home/user,workspace,proc,sys,dev} \
    "$root"/usr/{bin,sbin,local/bin}

# musl: Debian ships one file that is both loader and libc; Alpine keeps it
# at the loader's path with libc.musl-<arch>.so.1 pointing at it.
install -m 0755 "$libc" "$root$ldso"
ln -s "ld-musl-$march.so.1" "$root/lib/libc.musl-$march.so.1"
printf '#!/bin/sh\nexec %s --list "$@"\n' "$ldso" >"$root/usr/bin/ldd"
chmod 0755 "$root/usr/bin/ldd"

install -m 0755 "$bb" "$root/bin/busybox"
# The host has musl (musl-gcc needs it), so a musl busybox runs here too.
hbi_busybox_links "$root/bin/busybox" "$root"

musl-gcc -O2 -Wall -Wextra -Werror -s -o "$root/usr/local/bin/hb-musl-probe" \
    "$here/musl/hb-musl-probe.c"

cat >"$root/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/sh
user:x:1000:1000:user:/home/user:/bin/sh
nobody:x:65534:65534:nobody:/:/sbin/nologin
EOF
cat >"$root/etc/group" <<'EOF'
root:x:0:
user:x:1000:
nogroup:x:65534:
EOF
printf '/bin/sh\n/bin/ash\n' >"$root/etc/shells"
cat >"$root/etc/os-release" <<EOF
NAME="handbox musl"
ID=handbox-musl
VERSION_ID=$musl_version
PRETTY_NAME="handbox musl test image (musl $musl_version; Alpine-like, from Debian packages)"
EOF
chmod 1777 "$root/tmp" "$root/var/tmp"
chmod 0700 "$root/root"

# The point of this image: no glibc in it at all.
glibc=$(find "$root" \( -name 'libc.so.6' -o -name 'ld-linux*' -o -name 'libc-2.*' \) -print)
[[ -z $glibc ]] || hbi_die "glibc files in the rootfs: $glibc"

hbi_tar_rootfs "$root" "$work/rootfs.tar" 1000:1000:./home/user 1000:1000:./workspace
"$HBI_HANDBOX" image import --tag "$TAG" \
    --change "ENV $HBI_PATH_ENV" \
    --change 'WORKDIR /workspace' \
    --change 'CMD ["/bin/sh"]' \
    --change "LABEL handbox.recipe=$recipe" \
    --change 'LABEL handbox.image=musl' \
    --change "LABEL handbox.musl=$musl_version" \
    --change "LABEL handbox.busybox=\"$bbdesc\"" \
    "$work/rootfs.tar" >/dev/null ||
    hbi_die "importing $work/rootfs.tar as $TAG failed"

out=$(docker run --rm "$TAG" /bin/sh -c 'hb-musl-probe && echo ok' 2>&1) || true
if [[ $out != *$'hb-musl-probe: ok\nok' ]]; then
    docker rmi "$TAG" >/dev/null 2>&1 || true
    hbi_die "smoke test failed in $TAG: $out"
fi
hbi_log "built $TAG ($(hbi_image_size "$TAG"); $bbdesc) in $(hbi_elapsed "$start") s"
