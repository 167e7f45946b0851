# Shared by scripts/demo.sh and scripts/test.sh: install what is missing, configure, build.
# Safe to run again: packages are only installed when missing, builds are incremental.

RWKVQ_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RWKVQ_PACKAGES=(g++ cmake ninja-build pkg-config libcli11-dev libyaml-cpp-dev nlohmann-json3-dev
  libgit2-dev libcurl4-openssl-dev libspdlog-dev libfmt-dev catch2 python3 python3-jsonschema
  dpkg-dev man-db)
# Only for scripts/test.sh: the headless browser of tests/e2e/status_page.sh.
RWKVQ_TEST_PACKAGES=(chromium)

# rwkvq_install_deps [more packages...]: RWKVQ_PACKAGES and the ones given.
rwkvq_install_deps() {
  local missing=()
  for p in "${RWKVQ_PACKAGES[@]}" "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -ne 0 ]; then
    echo "rwkvq: missing Debian packages: ${missing[*]}" >&2
    echo "rwkvq: run as root, or: sudo apt-get install -y ${missing[*]}" >&2
    exit 2
  fi
  echo "rwkvq: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2 || { echo "rwkvq: apt-get update failed" >&2; exit 2; }
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2 ||
    { echo "rwkvq: apt-get install failed" >&2; exit 2; }
}

# The one configuration of build/, shared by demo.sh and test.sh so that a fresh clone compiles
# the main tree once whichever command runs first (a different configuration would rebuild it).
RWKVQ_MAIN_BUILD_OPTS=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DRWKVQ_WERROR=ON)

# rwkvq_build BUILD_DIR [cmake options...]
rwkvq_build() {
  local dir="$1"; shift
  cmake -S "$RWKVQ_ROOT" -B "$dir" -G Ninja "$@" >/dev/null || { echo "rwkvq: cmake configure failed" >&2; exit 2; }
  cmake --build "$dir" || { echo "rwkvq: build failed" >&2; exit 2; }
}
