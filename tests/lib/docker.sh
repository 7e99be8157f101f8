# shellcheck shell=bash
# tests/lib/docker.sh — helpers for handbox's shell integration tests.
#
# Source it:  . "$(dirname "$0")/../lib/docker.sh"
# Functions print what went wrong on stderr and return non-zero; none exits
# or changes the caller's shell options, so they work under `set -e` and
# without it.
#
#   hb_require_docker          0 when a Docker engine answers, else says why
#   hb_image_exists TAG        0 when the image TAG is present locally
#   hb_free_port               prints a free TCP port on 127.0.0.1
#   hb_wait_http URL TIMEOUT_S 0 once URL answers 200, 1 after TIMEOUT_S
#
# The engine is reached with the docker CLI when it is installed, else with
# curl on the socket of DOCKER_HOST (unix://...) or /var/run/docker.sock.

# hb__docker_socket — the unix socket the engine listens on.
hb__docker_socket() {
    local host=${DOCKER_HOST:-unix:///var/run/docker.sock}
    [[ $host == unix://* ]] || return 1
    printf '%s\n' "${host#unix://}"
}

# hb_require_docker — 0 when a Docker engine answers. Otherwise prints why,
# and how to start one, and returns 1: tests use it as
#   hb_require_docker || exit 1
hb_require_docker() {
    local err sock
    if command -v docker >/dev/null 2>&1; then
        if err=$(timeout 15 docker info --format '{{.ServerVersion}}' 2>&1) &&
            [[ -n $err && $err != *rror* ]]; then
            return 0
        fi
        echo "hb_require_docker: no Docker engine answers (docker info: ${err##*$'\n'})." \
            "Start one with 'bash .ci/setup.sh --docker-only'." >&2
        return 1
    fi
    if sock=$(hb__docker_socket) && [[ -S $sock ]] &&
        [[ $(curl -s --max-time 5 --unix-socket "$sock" http://localhost/_ping 2>/dev/null) == OK ]]; then
        return 0
    fi
    echo "hb_require_docker: no Docker engine answers on ${DOCKER_HOST:-unix:///var/run/docker.sock}" \
        "(and no docker CLI). Install docker.io and run 'bash .ci/setup.sh'." >&2
    return 1
}

# hb_image_exists TAG — 0 when the image TAG (e.g. handbox/busybox:latest)
# is present in the local engine, 1 when it is not (or no engine answers).
hb_image_exists() {
    local tag=${1:?hb_image_exists: needs an image tag} sock code
    if command -v docker >/dev/null 2>&1; then
        docker image inspect "$tag" >/dev/null 2>&1
        return
    fi
    sock=$(hb__docker_socket) || return 1
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 --unix-socket "$sock" \
        "http://localhost/images/$tag/json" 2>/dev/null)
    [[ $code == 200 ]]
}

# hb_free_port — print a TCP port that is free on 127.0.0.1 now, chosen by
# the kernel (bind to port 0). Another process may take it before the
# caller binds it; tests that need certainty should retry on EADDRINUSE.
hb_free_port() {
    python3 -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()
' || { echo "hb_free_port: python3 could not get a port from the kernel" >&2; return 1; }
}

# hb_wait_http URL TIMEOUT_S — poll URL with curl until it answers 200 (no
# redirects followed), for at most TIMEOUT_S seconds (default 30; fractions
# allowed). Returns 0 on 200; otherwise prints the last status seen and
# returns 1.
hb_wait_http() {
    local url=${1:?hb_wait_http: needs a URL} timeout=${2:-30} code=000 deadline now
    deadline=$(awk -v t="$timeout" -v n="$(date +%s.%N)" 'BEGIN { printf "%.3f", n + t }')
    while :; do
        code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$url" 2>/dev/null) || true
        [[ $code == 200 ]] && return 0
        now=$(date +%s.%N)
        if awk -v n="$now" -v d="$deadline" 'BEGIN { exit !(n >= d) }'; then
            echo "hb_wait_http: $url did not answer 200 within ${timeout} s (last status: ${code:-000})" >&2
            return 1
        fi
        sleep 0.2
    done
}
