#!/usr/bin/env bash
# Makes the base image of the test images here, since no registry is reachable: a jlink'ed Java 25
# runtime (from the JDK that builds the project) on a minimal root filesystem holding only the glibc
# libraries that runtime links, /etc/passwd and /etc/group. Users' images keep eclipse-temurin:25-jre
# (the apps' application.properties); this one differs only in its base.
#
# The image is made with Debian's umoci (an OCI image layout) and written by Debian's skopeo as a
# docker-archive tarball, the form Jib takes as a local base (quarkus.jib.base-jvm-image=tar://...).
# Prints the tarball's path. Cached by what goes into it (this script and the JDK's release), so a
# second run prints the same path and does nothing else.
#
# Usage: bin/base-image.sh            (JAVA_HOME: a JDK 25; ./run-tests finds one)
set -euo pipefail
cd "$(dirname "$0")/.."
. bin/jdk25.sh
find_jdk25

KUBE_TEST_DIR="${KUBE_TEST_DIR:-$HOME/.kubeapitest}"
# What the agent and the operator load (java.sql: Jackson's and SmallRye's optional types; jdk.jfr:
# profiling a pod; jdk.crypto.ec, java.security.*: TLS to the API server), and no java.desktop, which
# would bring X11 libraries into the image.
modules=java.base,java.logging,java.management,jdk.management,java.naming,java.net.http,java.xml,java.sql,java.security.jgss,java.security.sasl,jdk.unsupported,jdk.crypto.ec,jdk.naming.dns,jdk.zipfs,jdk.jfr,jdk.management.jfr,java.instrument
key="$( (cat "$0"; cat "$JAVA_HOME/release") | sha256sum | cut -c1-12)"
out="$KUBE_TEST_DIR/images/jre25-base-$key.tar"
if [ -s "$out" ]; then
  echo "$out"
  exit 0
fi
for tool in umoci skopeo; do
  if ! command -v "$tool" >/dev/null; then
    if [ "$(id -u)" = 0 ]; then
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq umoci skopeo >/dev/null
    else
      echo "base-image: needs Debian's umoci and skopeo (apt-get install umoci skopeo)" >&2
      exit 1
    fi
  fi
done

log() { echo "base-image: $*" >&2; }
work="$(mktemp -d "${TMPDIR:-/tmp}/base-image.XXXXXX")"
trap 'rm -rf "$work"' EXIT
root="$work/rootfs"
mkdir -p "$root/etc" "$root/tmp" "$root/opt"
chmod 1777 "$root/tmp"

log "jlink: a Java runtime of $(sed -n 's/^JAVA_RUNTIME_VERSION=//p' "$JAVA_HOME/release" | tr -d '"')"
"$JAVA_HOME/bin/jlink" --add-modules "$modules" --strip-debug --no-man-pages --no-header-files \
  --compress=zip-6 --output "$root/opt/java"

# The shared libraries that runtime links, as ldd resolves them on this machine (Debian's glibc),
# each at the path the dynamic linker looks for it.
for f in "$root/opt/java/bin/java" $(find "$root/opt/java/lib" -name '*.so'); do
  ldd "$f"
done | awk '$2 == "=>" && $3 ~ /^\// {print $3} $1 ~ /^\/lib.*ld-linux/ {print $1}' | sort -u | while read -r lib; do
  mkdir -p "$root$(dirname "$lib")"
  cp -L "$lib" "$root$lib"
done
cat >"$root/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/sbin/nologin
nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin
EOF
cat >"$root/etc/group" <<'EOF'
root:x:0:
nogroup:x:65534:
EOF

log "umoci: one layer, the runtime's environment"
umoci init --layout "$work/oci"
umoci new --image "$work/oci:base"
umoci unpack --image "$work/oci:base" "$work/bundle" >/dev/null
cp -a "$root/." "$work/bundle/rootfs/"
umoci repack --image "$work/oci:base" "$work/bundle"
umoci config --image "$work/oci:base" --clear=config.env --config.env PATH=/opt/java/bin:/usr/bin:/bin \
  --config.env JAVA_HOME=/opt/java --config.env LANG=C.UTF-8 --config.user 0 --architecture amd64 --os linux \
  --author backlog-sentinel
umoci gc --layout "$work/oci"

mkdir -p "$(dirname "$out")"
skopeo --insecure-policy copy --quiet "oci:$work/oci:base" "docker-archive:$out.partial:localhost/backlog-sentinel/jre:25"
mv "$out.partial" "$out"
log "$(du -h "$out" | cut -f1) in $out"
echo "$out"
