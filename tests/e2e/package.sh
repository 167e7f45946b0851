#!/usr/bin/env bash
# End-to-end: install and package (issue 12.5). `cmake --install` into a temporary prefix puts
# bin/rwkvq, the man page, the three completions and the schemas in the usual places, and the
# installed binary runs; the completions complete; `cpack -G DEB` builds a .deb whose Depends come
# from the shared libraries, and rwkvq --version runs from the unpacked package.
set -uo pipefail
BIN="$1"
BUILD="$(cd "$(dirname "$BIN")" && pwd)"
fail=0
no() { echo "FAIL $*"; fail=1; }
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
want_version="$("$BIN" --version)"
# The release build's bin/rwkvq is static-pie and hands the libgit2/libcurl commands to
# libexec/rwkvq/rwkvq-shared (cli/handover.h); the shared libraries are that program's.
DYN="$BIN"
if ! readelf -lW "$BIN" | grep -q INTERP; then DYN="$BUILD/rwkvq-shared"; fi
handed_over() {  # root: `queue --help` from the installed bin/rwkvq reaches rwkvq-shared
  local out
  out="$("$1/bin/rwkvq" queue --help 2>&1)" || { no "$1/bin/rwkvq queue --help: $out"; return; }
  grep -q "Usage: .*queue" <<<"$out" || no "$1/bin/rwkvq queue --help printed: $out"
}

# --- cmake --install ---------------------------------------------------------------------------
cmake --install "$BUILD" --prefix "$tmp/prefix" >"$tmp/install.log" 2>&1 || { no "cmake --install:"; cat "$tmp/install.log"; }
for f in bin/rwkvq share/man/man1/rwkvq.1 share/bash-completion/completions/rwkvq \
  share/zsh/vendor-completions/_rwkvq share/fish/vendor_completions.d/rwkvq.fish \
  share/rwkvq/schemas/report.schema.json share/rwkvq/schemas/queue.schema.json share/doc/rwkvq/LICENSE; do
  [ -s "$tmp/prefix/$f" ] || no "install: $f missing or empty"
done
got="$("$tmp/prefix/bin/rwkvq" --version 2>&1)"
[ "$got" = "$want_version" ] || no "installed --version: '$got', expected '$want_version'"
if [ "$DYN" != "$BIN" ]; then
  [ -x "$tmp/prefix/libexec/rwkvq/rwkvq-shared" ] || no "install: libexec/rwkvq/rwkvq-shared missing"
fi
handed_over "$tmp/prefix"

# --- the man page: `man rwkvq` finds it, groff reads it without a warning, every command is there -
if command -v man >/dev/null; then
  page="$(MANPATH="$tmp/prefix/share/man" MANWIDTH=100 man -P cat rwkvq 2>&1)" || no "man rwkvq: $page"
  grep -q "rwkvq queue add" <<<"$page" || no "man rwkvq lacks 'rwkvq queue add'"
fi
if command -v groff >/dev/null; then
  warn="$(groff -ww -z -man "$tmp/prefix/share/man/man1/rwkvq.1" 2>&1)"
  [ -z "$warn" ] || no "groff warnings in rwkvq.1: $warn"
fi
for cmd in $("$BIN" --help | awk '/^Subcommands:/{s=1; next} s && NF {print $1}'); do
  grep -q "^\.SS \"rwkvq $cmd" "$tmp/prefix/share/man/man1/rwkvq.1" || no "man page lacks the command $cmd"
done

# --- bash completion: what <TAB> offers ------------------------------------------------------------
complete_bash() {  # words... (the last is the word being completed)
  bash -c 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _rwkvq; printf "%s\n" "${COMPREPLY[@]}"' \
    _ "$tmp/prefix/share/bash-completion/completions/rwkvq" "$@" 2>&1
}
expect_bash() {  # expected-word words...
  local want="$1"; shift
  local got; got="$(complete_bash "$@")"
  grep -qx -- "$want" <<<"$got" || no "bash completion of '$*' lacks '$want': $(tr '\n' ' ' <<<"$got")"
}
expect_bash validate rwkvq va
expect_bash queue rwkvq q
expect_bash add rwkvq queue a
expect_bash plan rwkvq queue p
expect_bash --strict rwkvq validate --st
expect_bash github rwkvq validate --format g
expect_bash --node rwkvq queue start --no
got="$(complete_bash rwkvq validate --format '')"
grep -qx "xml" <<<"$got" && no "bash completion offers a format rwkvq does not have"
got="$(complete_bash rwkvq queue a)"
grep -qx "validate" <<<"$got" && no "bash completion offers a top-level command after 'queue'"
for sh in zsh fish; do
  if command -v $sh >/dev/null; then $sh -n "$tmp/prefix/share/$( [ $sh = zsh ] && echo zsh/vendor-completions/_rwkvq || echo fish/vendor_completions.d/rwkvq.fish)" || no "$sh -n failed"; fi
done
cmp -s <("$BIN" completion bash) "$tmp/prefix/share/bash-completion/completions/rwkvq" ||
  no "the installed bash completion differs from rwkvq completion bash"
out="$("$BIN" completion tcsh 2>&1)"; rc=$?
[ "$rc" = 2 ] || no "completion tcsh: exit $rc, expected 2: $out"

# --- cpack -G DEB ------------------------------------------------------------------------------
if command -v dpkg-deb >/dev/null && command -v dpkg-shlibdeps >/dev/null; then
  (cd "$tmp" && cpack -G DEB --config "$BUILD/CPackConfig.cmake" -B "$tmp/pkg") >"$tmp/cpack.log" 2>&1 ||
    { no "cpack -G DEB:"; tail -20 "$tmp/cpack.log"; }
  deb="$(ls "$tmp"/pkg/*.deb 2>/dev/null | head -1)"
  if [ -z "$deb" ]; then
    no "no .deb written"
  else
    depends="$(dpkg-deb -f "$deb" Depends)"
    grep -q libc6 <<<"$depends" || no "Depends lacks libc6: $depends"
    # Depends names a C++ library exactly when the binary links it as a shared library: the
    # release build links libstdc++ and yaml-cpp statically (RWKVQ_STATIC_RUNTIME), and spdlog is
    # compiled in where Debian's header-only target exists.
    needed="$(readelf -d "$DYN" | grep NEEDED || true)"
    for pair in libyaml-cpp:libyaml-cpp libstdc++:libstdc++6 libspdlog:libspdlog; do
      so="${pair%%:*}" pkg="${pair#*:}"
      if grep -qF "[$so" <<<"$needed"; then
        grep -qF "$pkg" <<<"$depends" || no "Depends lacks $pkg, which rwkvq links: $depends"
      else
        if grep -qF "$pkg" <<<"$depends"; then no "Depends names $pkg, which rwkvq does not link: $depends"; fi
      fi
    done
    grep -q "libgit2" <<<"$(dpkg-deb -f "$deb" Recommends)" || no "Recommends lacks libgit2"
    dpkg-deb -x "$deb" "$tmp/root"
    got="$("$tmp/root/usr/bin/rwkvq" --version 2>&1)"
    [ "$got" = "$want_version" ] || no "--version from the unpacked .deb: '$got', expected '$want_version'"
    handed_over "$tmp/root/usr"
    # grep without -q reads the whole listing: with -q it exits at the match and dpkg-deb, still
    # writing, dies of SIGPIPE (pipefail then fails the check at random)
    dpkg-deb -c "$deb" | grep "usr/share/man/man1/rwkvq.1" >/dev/null || no ".deb lacks the man page"
    echo "package: $(basename "$deb"), Depends: $depends"
  fi
else
  echo "package: dpkg-deb or dpkg-shlibdeps missing: .deb part skipped"
fi
[ "$fail" = 0 ] && echo "package: all checks passed"
exit "$fail"
