# Sourced by the bench scripts: they time copies of the binaries they are given, made here alike.
# A binary the linker has just written sits in the page cache in small pieces, and mapping it at
# start-up took up to ~0.8 ms longer than mapping a copy of the same file (bench/README.md, "A
# freshly linked binary"), which made a fresh build look slower than a copied "before".
bench_bins="$(mktemp -d)"
trap 'rm -rf "$bench_bins"' EXIT
# bench_copy FILE NAME: copies FILE into the temporary folder as NAME and prints the copy's path.
# The rwkvq-shared beside a static rwkvq (cli/handover.h) is copied beside the copy, since the
# commands it hands over (queue, online) run there.
bench_copy() {
  mkdir -p "$(dirname "$bench_bins/$2")"
  cp "$1" "$bench_bins/$2"
  if [ -x "$(dirname "$1")/rwkvq-shared" ]; then cp "$(dirname "$1")/rwkvq-shared" "$(dirname "$bench_bins/$2")/"; fi
  echo "$bench_bins/$2"
}
