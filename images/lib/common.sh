# shellcheck shell=bash
# images/lib/common.sh — helpers shared by the image scripts (build-all.sh,
# build-musl.sh, musl/build-busybox-musl.sh, verify.sh). The busybox and
# bookworm images are built by `handbox image build` (src/runtime/image_build.c).
#
# Sourced, never run. Everything here is prefixed hbi_ (handbox images) so it
# cannot collide with the tests' hb_ helpers. Functions report errors on
# stderr and return non-zero; only hbi_die exits.
# Variables set here are for the scripts that source this file:
# shellcheck disable=SC2034

HBI_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
HBI_CACHE=${HANDBOX_CACHE:-${HOME:-/root}/.cache/handbox}
HBI_PATH_ENV='PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'
HBI_PROG=${HBI_PROG:-$(basename "$0")}
# The handbox binary: imports images through the Docker Engine API.
HBI_HANDBOX=${HANDBOX:-$HBI_ROOT/../build/handbox}

hbi_log()  { printf '%s: %s\n' "$HBI_PROG" "$*" >&2; }
hbi_warn() { printf '%s: warning: %s\n' "$HBI_PROG" "$*" >&2; }
hbi_die()  { printf '%s: error: %s\n' "$HBI_PROG" "$*" >&2; exit 1; }

# Seconds since the epoch with sub-second precision, for timings.
hbi_now() { date +%s.%N; }
hbi_elapsed() { awk -v a="$1" -v b="$(hbi_now)" 'BEGIN { printf "%.1f", b - a }'; }

# Fail with a useful message when no Docker engine answers. Scripts must never
# assume one runs: .ci/setup.sh is what starts it.
hbi_require_docker() {
    command -v docker >/dev/null 2>&1 ||
        hbi_die "the docker CLI is not installed (apt-get install docker.io, or run .ci/setup.sh)"
    local err
    if ! err=$(docker info 2>&1 >/dev/null); then
        hbi_die "no Docker engine answers (docker info: ${err##*$'\n'}); start one with 'bash .ci/setup.sh' or 'dockerd &'"
    fi
}

hbi_require_handbox() {
    [[ -x $HBI_HANDBOX ]] ||
        hbi_die "$HBI_HANDBOX: no such executable: run make first (or set HANDBOX=PATH)"
}

hbi_image_exists() { docker image inspect "$1" >/dev/null 2>&1; }

hbi_image_label() {
    docker image inspect -f "{{ index .Config.Labels \"$2\" }}" "$1" 2>/dev/null || true
}

# hbi_recipe_hash FILE... — a short hash of the files that define an image.
# It goes into the image as the label handbox.recipe, so an image built
# by an older version of a script is rebuilt rather than silently reused.
hbi_recipe_hash() {
    cat "$@" | sha256sum | cut -c1-16
}

# hbi_should_build TAG RECIPE FORCE — 0 when TAG must be (re)built.
hbi_should_build() {
    local tag=$1 recipe=$2 force=$3 have
    if [[ $force == 1 ]]; then
        hbi_log "--force: rebuilding $tag"
        return 0
    fi
    hbi_image_exists "$tag" || return 0
    have=$(hbi_image_label "$tag" handbox.recipe)
    if [[ $have == "$recipe" ]]; then
        return 1
    fi
    hbi_log "$tag exists but was built from another recipe (${have:-none}, now $recipe): rebuilding"
    return 0
}

hbi_image_size() {
    docker image inspect -f '{{ .Size }}' "$1" 2>/dev/null |
        awk '{ printf "%.1f MB", $1 / 1000000 }'
}

hbi_pkg_installed() {
    [[ $(dpkg-query -W -f='${db:Status-Abbrev}' "$1" 2>/dev/null) == "ii "* ]]
}

# hbi_require_pkgs PKG... — die naming every Debian package that is missing.
hbi_require_pkgs() {
    local p missing=()
    for p in "$@"; do
        hbi_pkg_installed "$p" || missing+=("$p")
    done
    ((${#missing[@]} == 0)) ||
        hbi_die "missing Debian packages: ${missing[*]} (apt-get install ${missing[*]}, or run .ci/setup.sh)"
}

# hbi_is_static FILE — 0 when FILE is an ELF executable with no program
# interpreter (statically linked), so it runs in any image.
hbi_is_static() {
    local f=$1
    [[ -f $f ]] || return 1
    # Reading the program headers is safer than ldd, which may run the file.
    if command -v readelf >/dev/null 2>&1; then
        readelf -hW "$f" >/dev/null 2>&1 || return 1
        ! readelf -lW "$f" 2>/dev/null | grep -q 'Requesting program interpreter'
    else
        python3 - "$f" <<'PY'
import struct, sys
with open(sys.argv[1], "rb") as f:
    h = f.read(64)
    if h[:4] != b"\x7fELF" or h[4] != 2:   # 64-bit ELF only
        sys.exit(1)
    end = "<" if h[5] == 1 else ">"
    phoff, = struct.unpack(end + "Q", h[32:40])
    phentsize, phnum = struct.unpack(end + "HH", h[54:58])
    for i in range(phnum):
        f.seek(phoff + i * phentsize)
        if struct.unpack(end + "I", f.read(4))[0] == 3:   # PT_INTERP
            sys.exit(1)
sys.exit(0)
PY
    fi
}

# hbi_busybox_links BUSYBOX ROOTFS [RUNNER...] — create the applet symlinks
# in ROOTFS with the layout busybox itself reports (bin/sh, usr/bin/env, …),
# all pointing at /bin/busybox. RUNNER runs the binary on the host when it
# needs a loader (a musl busybox on a host without musl installed).
hbi_busybox_links() {
    local bb=$1 root=$2 path paths=() dirs=()
    shift 2
    while read -r path; do
        [[ $path == */* && $path != bin/busybox ]] || continue
        paths+=("$path")
        dirs+=("$root/${path%/*}")
    done < <("$@" "$bb" --list-full)
    ((${#paths[@]} > 0)) || hbi_die "$bb --list-full listed no applets"
    mkdir -p "${dirs[@]}"
    for path in "${paths[@]}"; do
        ln -sfn /bin/busybox "$root/$path"
    done
    [[ -L $root/bin/sh ]] || hbi_die "$bb has no sh applet"
    hbi_log "linked ${#paths[@]} busybox applets"
}

# hbi_tar_rootfs DIR OUT [UID:GID:PATH...] — archive DIR owned by root, except
# each PATH (relative to DIR, e.g. ./workspace), which is archived with the
# given owner. Does not need root: ownership is set by tar, not by chown.
hbi_tar_rootfs() {
    local dir=$1 out=$2 spec uid gid path ex=()
    shift 2
    for spec in "$@"; do
        ex+=("--exclude=${spec#*:*:}")
    done
    tar -C "$dir" --numeric-owner --owner=0 --group=0 "${ex[@]}" -cf "$out" .
    for spec in "$@"; do
        IFS=: read -r uid gid path <<<"$spec"
        tar -C "$dir" --numeric-owner --owner="$uid" --group="$gid" -rf "$out" "$path"
    done
}

# hbi_debian_sources — print the Debian bookworm archive lines of this
# machine's apt configuration as one-line "deb URI SUITE COMPONENTS" entries,
# from both /etc/apt/sources.list(.d/*.list) and deb822 .sources files.
# HANDBOX_DEBIAN_MIRROR (and HANDBOX_DEBIAN_SECURITY_MIRROR) override them.
# The same rules as debian_sources() in src/runtime/image_build.c, which
# `handbox image build` uses; this copy gives musl/build-busybox-musl.sh
# its deb-src lines.
hbi_debian_sources() {
    local type=${1:-deb}
    if [[ -n ${HANDBOX_DEBIAN_MIRROR:-} ]]; then
        echo "$type $HANDBOX_DEBIAN_MIRROR bookworm main"
        echo "$type $HANDBOX_DEBIAN_MIRROR bookworm-updates main"
        [[ -z ${HANDBOX_DEBIAN_SECURITY_MIRROR:-} ]] ||
            echo "$type $HANDBOX_DEBIAN_SECURITY_MIRROR bookworm-security main"
        return 0
    fi
    local f files=() etc=${HBI_APT_ETC:-/etc/apt}
    for f in "$etc"/sources.list "$etc"/sources.list.d/*.list "$etc"/sources.list.d/*.sources; do
        [[ -f $f ]] && files+=("$f")
    done
    ((${#files[@]})) || return 0
    awk -v want="$type" '
        function flush(   i, j, nu, ns, u, s) {
            if (types ~ ("(^| )deb( |$)") && uris != "" && suites != "" && enabled != "no") {
                nu = split(uris, u, " "); ns = split(suites, s, " ")
                for (i = 1; i <= nu; i++) for (j = 1; j <= ns; j++)
                    print want " " u[i] " " s[j] " " comps
            }
            types = uris = suites = comps = enabled = ""
        }
        FILENAME ~ /\.sources$/ {
            if (FILENAME != cur) { flush(); cur = FILENAME }
            if ($0 ~ /^[ \t]*$/) { flush(); next }
            if ($0 ~ /^#/) next
            key = tolower($1); sub(/:$/, "", key); $1 = ""; sub(/^ +/, "")
            if (key == "types") types = $0
            else if (key == "uris") uris = $0
            else if (key == "suites") suites = $0
            else if (key == "components") comps = $0
            else if (key == "enabled") enabled = tolower($0)
            next
        }
        {
            if (cur != "") { flush(); cur = "" }
            if ($1 != "deb") next
            i = 2
            if ($2 ~ /^\[/) { while (i <= NF && $i !~ /\]$/) i++; i++ }
            uri = $(i); suite = $(i + 1); line = ""
            for (k = i + 2; k <= NF; k++) line = line " " $k
            print want " " uri " " suite line
        }
        END { flush() }
    ' "${files[@]}" | awk '$3 ~ /^bookworm(-updates|-security|\/updates)?$/' | sort -u
}

# hbi_busybox_static — set HBI_BB to Debian's static busybox (package
# busybox-static) and HBI_BB_VERSION to its version. Debian's plain
# "busybox" package also installs /bin/busybox, but linked against glibc
# dynamically: it would not run in a scratch image.
hbi_busybox_static() {
    if ! hbi_pkg_installed busybox-static || ! hbi_is_static /bin/busybox; then
        hbi_die "no static /bin/busybox: apt-get install busybox-static"
    fi
    HBI_BB=/bin/busybox
    HBI_BB_VERSION=$(dpkg-query -W -f='${Version}' busybox-static)
}
