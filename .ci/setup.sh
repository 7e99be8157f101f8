#!/usr/bin/env bash
# .ci/setup.sh — prepare a Debian 12 machine for handbox: install the Debian
# packages it needs (only those missing) and make sure a Docker engine
# answers. Used by .ci/run and by the README's setup step. Run as root.
set -euo pipefail

PACKAGES=(
    build-essential pkg-config clang libclang-rt-14-dev
    libwebsockets-dev libjansson-dev libcurl4-openssl-dev libarchive-dev
    libsqlite3-dev libcmocka-dev
    # the static sandboxd link (-lssl -lcrypto -lz -lcap) and pytest for the
    # integration tests: pulled in or preinstalled today, named to be sure
    libssl-dev zlib1g-dev libcap-dev python3-pytest python3-websocket
    docker.io mmdebstrap busybox-static musl musl-tools
    # its bundle is what npm trusts while code-server is built for
    # handbox/sandbox:desktop (docs/images.md)
    ca-certificates
    python3 git curl procps iproute2 iptables
    # the web UI's browser tests (tests/e2e/README.md): headless Chromium
    # driven by playwright-core (installed from npm by tests/e2e/run, not
    # here), nginx and openssl for the HTTPS flow; npm itself: see
    # install_packages
    chromium nodejs nginx openssl
)
DOCKERD_LOG=${HANDBOX_DOCKERD_LOG:-/var/log/handbox-dockerd.log}
DOCKERD_WAIT=${HANDBOX_DOCKERD_WAIT:-60}

usage() {
    cat <<EOF
Usage: .ci/setup.sh [--packages-only | --docker-only]

Install the Debian packages handbox needs to build, test and make its test
images, when they are missing (apt-get update runs only then):
$(printf '%s\n' "${PACKAGES[@]}" | fmt -w 72 | sed 's/^/  /')
  (and npm, when no npm command exists)
then make sure a Docker engine answers: when 'docker info' fails, start
dockerd in the background (through systemd when it runs the machine),
logging to $DOCKERD_LOG, and wait up to
$DOCKERD_WAIT s for it. HANDBOX_DOCKERD_LOG and HANDBOX_DOCKERD_WAIT change
these; HANDBOX_DOCKERD_ARGS adds dockerd options (e.g. --storage-driver=vfs)
and bypasses systemd.
No service is started by the package installation itself.

  --packages-only  only install packages
  --docker-only    only make sure the Docker engine answers
  -h, --help       show this help
EOF
}

DO_PACKAGES=1
DO_DOCKER=1
for a in "$@"; do
    case $a in
    -h | --help) usage; exit 0 ;;
    --packages-only) DO_DOCKER=0 ;;
    --docker-only) DO_PACKAGES=0 ;;
    *) echo "setup.sh: unknown argument: $a (see --help)" >&2; exit 2 ;;
    esac
done

log() { printf 'setup.sh: %s\n' "$*" >&2; }
die() { printf 'setup.sh: error: %s\n' "$*" >&2; exit 1; }

install_packages() {
    local p missing=()
    for p in "${PACKAGES[@]}"; do
        [[ $(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null) == "ii "* ]] ||
            missing+=("$p")
    done
    # Debian's npm package conflicts with a nodejs that ships its own npm
    # (NodeSource's): asked for only when no npm command exists.
    command -v npm >/dev/null 2>&1 || missing+=(npm)
    if ((${#missing[@]} == 0)); then
        log "all ${#PACKAGES[@]} packages are installed"
        return 0
    fi
    ((EUID == 0)) || die "missing packages (${missing[*]}) and not root: run as root"
    log "installing: ${missing[*]}"

    # Keep package scripts from starting services (nginx on :80, dockerd
    # with the distribution's settings): this script starts what it needs.
    local policy=/usr/sbin/policy-rc.d ours=0
    if [[ ! -e $policy ]]; then
        printf '#!/bin/sh\nexit 101\n' >"$policy"
        chmod 0755 "$policy"
        ours=1
        trap 'rm -f /usr/sbin/policy-rc.d' EXIT
    fi
    export DEBIAN_FRONTEND=noninteractive NEEDRESTART_MODE=a NEEDRESTART_SUSPEND=1
    local apt=(apt-get -q -o DPkg::Lock::Timeout=300 -o Dpkg::Use-Pty=0)
    "${apt[@]}" update </dev/null || die "apt-get update failed"
    "${apt[@]}" install -y "${missing[@]}" </dev/null ||
        die "apt-get install failed for: ${missing[*]}"
    if ((ours)); then
        rm -f "$policy"
        trap - EXIT
    fi
    log "installed ${#missing[@]} packages"
}

docker_answers() { timeout 15 docker info >/dev/null 2>&1; }

start_docker() {
    command -v docker >/dev/null 2>&1 || die "docker is not installed (run without --docker-only)"
    if docker_answers; then
        log "Docker engine answers ($(docker version -f '{{.Server.Version}}' 2>/dev/null))"
        return 0
    fi
    ((EUID == 0)) || die "no Docker engine answers and not root: cannot start dockerd"

    local ours=
    if [[ -d /run/systemd/system ]] && command -v systemctl >/dev/null 2>&1 &&
        [[ -z ${HANDBOX_DOCKERD_ARGS:-} ]]; then
        log "starting docker.service with systemctl"
        systemctl start docker.service || log "systemctl start docker failed; waiting anyway"
    else
        # Without systemd nobody may have mounted the cgroup hierarchy.
        if ! mountpoint -q /sys/fs/cgroup && command -v cgroupfs-mount >/dev/null 2>&1; then
            log "mounting cgroups (cgroupfs-mount)"
            cgroupfs-mount || true
        fi
        command -v dockerd >/dev/null 2>&1 || die "dockerd is not installed"
        # A dockerd that is still starting makes ours exit (its pid file is
        # taken); the wait below then sees the first one answer.
        ! pgrep -x dockerd >/dev/null || log "a dockerd already runs; starting another anyway"
        local args
        read -ra args <<<"${HANDBOX_DOCKERD_ARGS:-}"
        log "starting dockerd ${args[*]} in the background (log: $DOCKERD_LOG)"
        mkdir -p "$(dirname "$DOCKERD_LOG")"
        setsid nohup dockerd "${args[@]}" >>"$DOCKERD_LOG" 2>&1 </dev/null &
        ours=$!
    fi

    local i
    for ((i = 0; i < DOCKERD_WAIT; i++)); do
        if docker_answers; then
            log "Docker engine answers after ${i} s ($(docker version -f '{{.Server.Version}}' 2>/dev/null))"
            return 0
        fi
        # Ours exited and no other dockerd is on its way: no use waiting.
        if [[ -n $ours ]] && ! kill -0 "$ours" 2>/dev/null && ! pgrep -x dockerd >/dev/null; then
            log "dockerd exited after ${i} s"
            break
        fi
        sleep 1
    done
    log "no Docker engine answers; last lines of $DOCKERD_LOG:"
    tail -n 40 "$DOCKERD_LOG" >&2 2>/dev/null || true
    [[ ! -d /run/systemd/system ]] || journalctl -u docker.service -n 40 --no-pager >&2 || true
    die "the Docker engine did not start"
}

((DO_PACKAGES == 0)) || install_packages
((DO_DOCKER == 0)) || start_docker
