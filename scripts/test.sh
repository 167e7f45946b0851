#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test through ctest: first a normal build
# (build/), then an AddressSanitizer + UndefinedBehaviorSanitizer build (build-asan/).
# RWKVQ_SANITIZE=0 skips the sanitizer pass. Exits non-zero on any failure.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
rwkvq_install_deps "${RWKVQ_TEST_PACKAGES[@]}"
cd "$RWKVQ_ROOT"
jobs=$(nproc 2>/dev/null || echo 2)

rwkvq_build build "${RWKVQ_MAIN_BUILD_OPTS[@]}"
(cd build && ctest --output-on-failure -j "$jobs")

if [ "${RWKVQ_SANITIZE:-1}" != "0" ]; then
  rwkvq_build build-asan -DCMAKE_BUILD_TYPE=Debug -DRWKVQ_SANITIZE=ON -DRWKVQ_WERROR=ON
  export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
  export LSAN_OPTIONS="suppressions=$RWKVQ_ROOT/tests/lsan.supp:print_suppressions=0"  # a leak inside libgit2 itself
  (cd build-asan && ctest --output-on-failure -j "$jobs" -LE slow)
fi
echo "rwkvq: all tests passed"
