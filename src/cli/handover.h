#pragma once
// Which of rwkvq's two programs runs a command (issue 12.6; CMakeLists.txt, RWKVQ_STATIC).
// The release build links the same code twice:
//  - `rwkvq`, a static-pie executable: no dynamic loader, no libc.so to map and relocate, so the
//    one-request `validate` starts ~1 ms sooner. It cannot load libgit2 or libcurl (a static
//    glibc program that dlopen()s them would carry two C libraries), and its util/dynlib.h
//    refuses to (src/front/dynlib_static.cpp).
//  - `rwkvq-shared`, dynamically linked, installed in ../libexec/rwkvq/ (or beside rwkvq in the
//    build tree), which loads them on first use as before.
// A command that may need libgit2 or libcurl (queue, init, calibrate; validate --pr; validate or
// estimate going online) is handed over by the static program with execv before it prints or
// writes anything: same arguments, same environment, same open files, and the exit status is
// rwkvq-shared's own. Sanitizer and fuzzing builds have one dynamic `rwkvq`, which hands over
// nothing.
#include <string_view>

namespace rwkvq::cli {

// The static rwkvq's main() calls this first; rwkvq-shared and the tests never do.
void enter_static_front(int argc, char** argv);
bool in_static_front();

// In the static rwkvq: replaces the process with rwkvq-shared run on the same arguments. Never
// returns there; throws UsageError naming the places looked at when it is missing or cannot be
// started (`why`: what needs it, e.g. "`rwkvq queue`"). Elsewhere: does nothing.
void hand_over(std::string_view why);

}  // namespace rwkvq::cli
