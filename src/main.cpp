// rwkvq's entry point. Argument parsing and dispatch: cli/run.h; every command: src/cli/.
#include "cli/handover.h"
#include "cli/run.h"
#include "rwkvq/util/prefault.h"

// First of all, before the static initialisers (priority 101 runs before the default ones): map
// the program's code and constants in one call instead of ~60 page faults (util/prefault.h).
__attribute__((constructor(101))) static void map_program_image() { rwkvq::prefault_program_image(); }

int main(int argc, char** argv) {
#ifdef RWKVQ_STATIC_FRONT
  rwkvq::cli::enter_static_front(argc, argv);  // the static `rwkvq`: see cli/handover.h
#endif
  return rwkvq::cli::run(argc, argv);
}
