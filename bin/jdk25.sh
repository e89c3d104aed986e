# Sourced by ./run-agent and ./run-tests: finds a JDK 25 and exports JAVA_HOME, or says where to get one.
find_jdk25() {
  local candidate
  for candidate in "${JAVA_HOME:-}" /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/*-25* /usr/lib/jvm/*25* \
                   /opt/java/openjdk "$(dirname "$(dirname "$(readlink -f "$(command -v java 2>/dev/null || echo /nonexistent)")")")"; do
    [ -n "$candidate" ] && [ -x "$candidate/bin/java" ] || continue
    if "$candidate/bin/java" -version 2>&1 | head -n 1 | grep -Eq 'version "25([."]|$)'; then
      export JAVA_HOME="$candidate"
      return 0
    fi
  done
  cat >&2 <<'MSG'
Backlog Sentinel needs a JDK 25 (it calls the kernel through java.lang.foreign) and found none
(looked at $JAVA_HOME, /usr/lib/jvm/*25* and the java on PATH).
Get one, e.g. Eclipse Temurin 25 from https://adoptium.net/temurin/releases/?version=25
(Debian/Ubuntu: the temurin-25-jdk package from packages.adoptium.net), then set JAVA_HOME to it.
MSG
  return 1
}
