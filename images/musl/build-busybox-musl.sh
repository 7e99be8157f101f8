#!/usr/bin/env bash
# images/musl/build-busybox-musl.sh — compile busybox from Debian's source
# package with musl-gcc, dynamically linked against musl (as Alpine's is).
# Used by images/build-musl.sh; runnable on its own.
set -euo pipefail

usage() {
    cat <<'EOF'
Usage: images/musl/build-busybox-musl.sh [--no-cache] OUT

Fetch the busybox source package from the Debian bookworm archive configured
on this machine (apt-get source, with a private deb-src list: the system's
apt configuration is not touched), build it with Debian's busybox-static
configuration minus static linking and two GNU-regex features, using
musl-gcc, and write the executable to OUT (and a one-line description to
OUT.version). The result is cached in ${HANDBOX_CACHE:-~/.cache/handbox}/musl
and reused unless --no-cache.

Needs: musl-tools musl-dev gcc make dpkg-dev linux-libc-dev (build-essential).
Takes about a minute on 2 cores.
EOF
}

NOCACHE=0
OUT=
while (($#)); do
    case $1 in
    -h | --help) usage; exit 0 ;;
    --no-cache) NOCACHE=1 ;;
    -*) echo "build-busybox-musl.sh: unknown option: $1 (see --help)" >&2; exit 2 ;;
    *) OUT=$1 ;;
    esac
    shift
done
[[ -n $OUT ]] || { usage >&2; exit 2; }

HBI_PROG=build-busybox-musl.sh
# shellcheck source=images/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"

hbi_require_pkgs musl musl-dev musl-tools gcc make dpkg-dev linux-libc-dev

# Debian's busybox-static configuration builds with musl once these are off:
# static linking (Alpine links busybox dynamically against musl) and two
# features that need glibc's GNU regex extensions (re_search, RE_SYNTAX_*).
CONFIG_OFF=(CONFIG_STATIC CONFIG_FEATURE_VI_REGEX_SEARCH CONFIG_EXTRA_COMPAT)

musl_version=$(dpkg-query -W -f='${Version}' musl)
key=$(printf '%s\n' "${CONFIG_OFF[@]}" "$musl_version" | cat "${BASH_SOURCE[0]}" - | sha256sum | cut -c1-16)
cached=$HBI_CACHE/musl/busybox-$key
mkdir -p "$HBI_CACHE/musl"
if [[ $NOCACHE == 0 && -x $cached && -s $cached.version ]]; then
    hbi_log "using cached musl busybox $cached ($(cat "$cached.version"))"
    install -m 0755 "$cached" "$OUT"
    cp "$cached.version" "$OUT.version"
    exit 0
fi

start=$(hbi_now)
srcdir=$HBI_CACHE/src/busybox
[[ $NOCACHE == 0 ]] || rm -rf "$srcdir"
mkdir -p "$srcdir"
if ! ls "$srcdir"/busybox_*.dsc >/dev/null 2>&1; then
    # A private apt state with deb-src lines derived from the system's
    # Debian sources; apt checks the files against the signed Sources index.
    aptdir=$HBI_CACHE/apt-src
    mkdir -p "$aptdir/lists/partial"
    hbi_debian_sources deb-src >"$aptdir/sources.list"
    [[ -s $aptdir/sources.list ]] ||
        hbi_die "no Debian bookworm archive in /etc/apt/sources.list(.d); set HANDBOX_DEBIAN_MIRROR"
    aptopts=(
        -o Dir::Etc::SourceList="$aptdir/sources.list"
        -o Dir::Etc::SourceParts=/dev/null
        -o Dir::State::Lists="$aptdir/lists"
        -o Dir::Cache::pkgcache= -o Dir::Cache::srcpkgcache=
        -o APT::Sandbox::User=root
    )
    hbi_log "fetching the busybox source package (apt-get source)"
    apt-get "${aptopts[@]}" -q update >&2 ||
        hbi_die "apt-get update of the deb-src lists failed"
    (cd "$srcdir" && apt-get "${aptopts[@]}" -q source --download-only busybox >&2) ||
        hbi_die "apt-get source busybox failed"
fi
dsc=$(ls -t "$srcdir"/busybox_*.dsc | head -n1)
srcver=$(sed -n 's/^Version: //p' "$dsc" | head -n1)

work=$(mktemp -d "${TMPDIR:-/tmp}/handbox-bbmusl.XXXXXX")
trap 'rm -rf "$work"' EXIT
dpkg-source --no-check -x "$dsc" "$work/src" >/dev/null

# musl-gcc searches only musl's headers; busybox also needs the kernel's.
multiarch=$(gcc -print-multiarch)
mkdir -p "$work/kernel-headers"
for d in linux asm-generic mtd; do
    ln -s "/usr/include/$d" "$work/kernel-headers/$d"
done
ln -s "/usr/include/$multiarch/asm" "$work/kernel-headers/asm"

mkdir -p "$work/obj"
cp "$work/src/debian/config/pkg/static" "$work/obj/.config"
for opt in "${CONFIG_OFF[@]}"; do
    sed -i "s/^$opt=y\$/# $opt is not set/" "$work/obj/.config"
done
log=$HBI_CACHE/musl/busybox-build.log
make_args=(-C "$work/src" O="$work/obj" CC=musl-gcc HOSTCC=gcc
    EXTRA_CFLAGS="-isystem $work/kernel-headers")
hbi_log "compiling busybox $srcver with musl-gcc (log: $log)"
if ! { make "${make_args[@]}" oldconfig </dev/null &&
    make "${make_args[@]}" -j"$(nproc)"; } >"$log" 2>&1; then
    tail -n 30 "$log" >&2
    hbi_die "busybox build failed (full log: $log)"
fi

bin=$work/obj/busybox
readelf -lW "$bin" | grep -q "interpreter: /lib/ld-musl-" ||
    hbi_die "the busybox built is not linked against musl"
install -m 0755 "$bin" "$cached.partial"
mv "$cached.partial" "$cached"
echo "busybox $srcver (Debian source, musl-gcc, musl $musl_version, dynamic)" >"$cached.version"
find "$HBI_CACHE/musl" -maxdepth 1 -name 'busybox-*' ! -name "busybox-$key" \
    ! -name "busybox-$key.version" ! -name busybox-build.log -delete
install -m 0755 "$cached" "$OUT"
cp "$cached.version" "$OUT.version"
hbi_log "built $(cat "$cached.version") in $(hbi_elapsed "$start") s"
