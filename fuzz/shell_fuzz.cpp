// The shell tokeniser: any text as a `!` line (IPython substitution, tokenising, command
// recognition) and as a %%bash line in the vetting model (nested bash -c, $(…), <(…)).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "rwkvq/request/commands.h"
#include "rwkvq/request/shell.h"
#include "rwkvq/request/vetting.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  rwkvq::PyEnv env;
  env.notebook_dir = "/repo/notebook/community/x";
  env.vars["TRAINER_DIR"] = rwkvq::Value::string("/repo/RWKV-v5");
  env.vars["N"] = rwkvq::Value::string("{N}");
  std::string marked = rwkvq::ipython_substitute_marked(text, env);
  std::string cwd = env.notebook_dir;
  rwkvq::Location loc{"training-notebook.ipynb", 1, 1, 1, 1};
  (void)rwkvq::recognise_commands(rwkvq::tokenize_shell(marked), cwd, loc);
  (void)rwkvq::recognise_commands(rwkvq::tokenize_shell(text), cwd, loc);
  rwkvq::Vetting vet;
  rwkvq::VetBuilder vb(vet, "training-notebook.ipynb");
  vb.shell_line(text, loc, rwkvq::ShellOrigin::CellBody, "", cwd, false, true, vb.new_shell());
  return 0;
}
