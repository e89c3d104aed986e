#!/usr/bin/env bash
# Installs the real Kubernetes the tests run against, once, and caches it:
#   - the control plane: kube-apiserver and kubectl, with etcd from Debian's `etcd-server`;
#   - a node: kubelet, kube-controller-manager, kube-scheduler and kube-proxy, with containerd, runc
#     and the CNI plugins from Debian, and the sandbox ("pause") program, all from the same source.
# Every Kubernetes binary comes from Debian bookworm's `kubernetes` source package (1.20.2, the one
# kube-apiserver Debian still ships as source), built in one `make`.
# Result: $KUBE_TEST_DIR/k8s/1.20.2-linux-amd64/, the layout io.fabric8:kube-api-test reads in offline
# mode (etcd, kube-apiserver, kubectl), plus the node's binaries beside them. A second run finds them
# all and does nothing but check the node's Debian packages.
#
# Someone with other control-plane binaries (e.g. an envtest set of a newer Kubernetes) skips all of
# this for the API-server tests: put them in $KUBE_TEST_DIR/k8s/<version>-linux-amd64/ and set
# KUBE_TEST_VERSION=<version>. The real-node test needs the node binaries of the same version there.
#
# Needs root (apt-get) the first time. Costs about 12 minutes on 2 cores and 3.6 GB of scratch disk,
# freed at the end.
set -euo pipefail

KUBE_TEST_DIR="${KUBE_TEST_DIR:-$HOME/.kubeapitest}"
KUBE_TEST_VERSION="${KUBE_TEST_VERSION:-1.20.2}"
target="$KUBE_TEST_DIR/k8s/$KUBE_TEST_VERSION-linux-amd64"
control_plane=(etcd kube-apiserver kubectl)
node=(kubelet kube-controller-manager kube-scheduler kube-proxy pause)
node_packages=(containerd runc containernetworking-plugins iptables conntrack)

log() { echo "kube-test-binaries: $*" >&2; }
export DEBIAN_FRONTEND=noninteractive

have_all() {
  local b
  for b in "${control_plane[@]}" "${node[@]}"; do
    [ -x "$target/$b" ] || return 1
  done
}
node_packages_missing() {
  local p
  for p in "${node_packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || echo "$p"
  done
}

if have_all; then
  missing=($(node_packages_missing))
  if [ ${#missing[@]} -eq 0 ]; then
    exit 0
  fi
  if [ "$(id -u)" != 0 ]; then
    log "the real node needs Debian packages that are missing (${missing[*]}); install them as root"
    exit 1
  fi
  log "installing the node's runtime (apt: ${missing[*]})"
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  exit 0
fi
if [ "$KUBE_TEST_VERSION" != 1.20.2 ]; then
  echo "kube-test-binaries: no binaries in $target for KUBE_TEST_VERSION=$KUBE_TEST_VERSION;" \
       "put ${control_plane[*]} and ${node[*]} there, or unset KUBE_TEST_VERSION to build 1.20.2" >&2
  exit 1
fi
if [ "$(id -u)" != 0 ]; then
  echo "kube-test-binaries: building the test cluster needs root the first time (apt-get);" \
       "run ./run-tests as root once, or put binaries in $target" >&2
  exit 1
fi

# deb-src entries for the suites the kubernetes source package lives in (bookworm + its updates).
srcs=/etc/apt/sources.list.d/backlog-sentinel-src.sources
if [ ! -f "$srcs" ]; then
  log "adding Debian bookworm source entries ($srcs)"
  cat >"$srcs" <<'SOURCES'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb-src
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SOURCES
fi
log "installing build tools, etcd and the node's runtime (apt)"
apt-get update -qq
apt-get install -y -qq --no-install-recommends etcd-server golang-go golang-github-modern-go-reflect2-dev \
  dpkg-dev make rsync ca-certificates gcc libc6-dev "${node_packages[@]}" >/dev/null

work="$(mktemp -d "${TMPDIR:-/tmp}/kube-src.XXXXXX")"
trap 'rm -rf "$work"' EXIT
cd "$work"
log "downloading the kubernetes source package"
apt-get source --download-only -qq kubernetes >/dev/null
dsc="$(ls kubernetes_*.dsc | head -n 1)"
dpkg-source --no-check -x "$dsc" src >/dev/null
cd src

# The vendored reflect2 1.0.1 crashes on Go 1.18+ at the first custom-resource create; Debian's
# 1.0.2 is a drop-in replacement.
reflect2=vendor/github.com/modern-go/reflect2
rm -f "$reflect2"/*.go "$reflect2"/*.s
cp /usr/share/gocode/src/github.com/modern-go/reflect2/*.go "$reflect2"/
cp /usr/share/gocode/src/github.com/modern-go/reflect2/*.s "$reflect2"/ 2>/dev/null || true
rm -f "$reflect2"/*_test.go

log "building kube-apiserver, kubectl, kubelet, kube-controller-manager, kube-scheduler, kube-proxy (about 11 minutes)"
# 1.20's make runs in GOPATH mode over vendor/, so module flags must be off and nothing fetched.
# One make for all six shares the work (the apiserver's packages are most of the others').
env -u GOFLAGS GOPROXY=off GOTOOLCHAIN=local GO111MODULE=off \
  make WHAT="cmd/kube-apiserver cmd/kubectl cmd/kubelet cmd/kube-controller-manager cmd/kube-scheduler cmd/kube-proxy" \
  >build.log 2>&1 || { tail -n 40 build.log >&2; exit 1; }

# The sandbox container's program, as the source's build/pause builds it: static, so its image
# needs nothing else.
pause_version="$(sed -n 's/^TAG *?*= *//p' build/pause/Makefile)"
[ -n "$pause_version" ] || { log "no TAG in build/pause/Makefile"; exit 1; }
gcc -Os -Wall -Werror -static -DVERSION="v${pause_version}-backlog-sentinel" -o _output/bin/pause build/pause/linux/pause.c

mkdir -p "$target.partial"
for b in kube-apiserver kubectl kubelet kube-controller-manager kube-scheduler kube-proxy pause; do
  cp "_output/bin/$b" "$target.partial/"
done
strip "$target.partial/pause"
echo "$pause_version" >"$target.partial/pause.version"
cp /usr/bin/etcd "$target.partial/etcd"
rm -rf "$target"
mv "$target.partial" "$target"
log "installed in $target: $("$target/kube-apiserver" --version), etcd $("$target/etcd" --version | head -n 1 | awk '{print $3}'), pause $pause_version"
