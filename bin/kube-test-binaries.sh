#!/usr/bin/env bash
# Installs the real Kubernetes API server the cluster tests run against, once, and caches it:
#   kube-apiserver and kubectl built from Debian bookworm's `kubernetes` source package (1.20.2,
#   the one kube-apiserver Debian still ships as source), etcd from Debian's `etcd-server`.
# Result: $KUBE_TEST_DIR/k8s/1.20.2-linux-amd64/{etcd,kube-apiserver,kubectl}, the layout
# io.fabric8:kube-api-test reads in offline mode. A second run finds them and does nothing.
#
# Someone with other binaries (e.g. an envtest set of a newer Kubernetes) skips all of this: put
# them in $KUBE_TEST_DIR/k8s/<version>-linux-amd64/ and set KUBE_TEST_VERSION=<version>.
#
# Needs root (apt-get) the first time. Costs about 5 minutes on 2 cores and 2 GB of scratch disk,
# freed at the end.
set -euo pipefail

KUBE_TEST_DIR="${KUBE_TEST_DIR:-$HOME/.kubeapitest}"
KUBE_TEST_VERSION="${KUBE_TEST_VERSION:-1.20.2}"
target="$KUBE_TEST_DIR/k8s/$KUBE_TEST_VERSION-linux-amd64"

if [ -x "$target/kube-apiserver" ] && [ -x "$target/etcd" ] && [ -x "$target/kubectl" ]; then
  exit 0
fi
if [ "$KUBE_TEST_VERSION" != 1.20.2 ]; then
  echo "kube-test-binaries: no binaries in $target for KUBE_TEST_VERSION=$KUBE_TEST_VERSION;" \
       "put etcd, kube-apiserver and kubectl there, or unset KUBE_TEST_VERSION to build 1.20.2" >&2
  exit 1
fi
if [ "$(id -u)" != 0 ]; then
  echo "kube-test-binaries: building the test API server needs root the first time (apt-get);" \
       "run ./run-tests as root once, or put binaries in $target" >&2
  exit 1
fi

log() { echo "kube-test-binaries: $*" >&2; }
export DEBIAN_FRONTEND=noninteractive

# deb-src entries for the suites the kubernetes source package lives in (bookworm + its updates).
srcs=/etc/apt/sources.list.d/backlog-sentinel-src.sources
if [ ! -f "$srcs" ]; then
  log "adding Debian bookworm source entries ($srcs)"
  cat >"$srcs" <<'EOF'
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
EOF
fi
log "installing build tools and etcd (apt)"
apt-get update -qq
apt-get install -y -qq --no-install-recommends etcd-server golang-go golang-github-modern-go-reflect2-dev \
  dpkg-dev make rsync ca-certificates >/dev/null

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

log "building kube-apiserver and kubectl (a few minutes)"
# 1.20's make runs in GOPATH mode over vendor/, so module flags must be off and nothing fetched.
env -u GOFLAGS GOPROXY=off GOTOOLCHAIN=local GO111MODULE=off \
  make WHAT="cmd/kube-apiserver cmd/kubectl" >build.log 2>&1 || { tail -n 40 build.log >&2; exit 1; }

mkdir -p "$target.partial"
cp _output/bin/kube-apiserver _output/bin/kubectl "$target.partial/"
cp /usr/bin/etcd "$target.partial/etcd"
rm -rf "$target"
mv "$target.partial" "$target"
log "installed in $target: $("$target/kube-apiserver" --version), etcd $("$target/etcd" --version | head -n 1 | awk '{print $3}')"
