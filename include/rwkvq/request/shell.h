#pragma once
// IPython substitution and a POSIX-like shell tokeniser for `!` lines and shell cells.
#include <string>
#include <string_view>
#include <vector>

#include "rwkvq/request/python_eval.h"

namespace rwkvq {

// Replaces {NAME} (and {expr} of known names, {{ / }} escapes) and $NAME with values from env,
// as IPython does for `!` lines. An unknown value is left as "{NAME}" and `unknown` is set.
std::string ipython_substitute(std::string_view line, const PyEnv& env, bool* unknown = nullptr);

struct ShellWord {
  std::string text;      // after quote removal and escapes
  bool unknown = false;  // contains an unresolved {NAME} / $VAR / $(...) / backtick part
};

enum class ShellOp { None, And, Or, Seq, Pipe, Background };

struct SimpleCommand {
  std::vector<std::string> assignments;  // leading VAR=value words
  std::vector<ShellWord> words;          // argv, redirections removed
  std::vector<std::pair<std::string, std::string>> redirects;  // (">", "file") ...
  ShellOp next = ShellOp::None;          // operator joining it to the next command
};

// Splits a shell line (already substituted) into simple commands: quotes, backslash escapes,
// &&, ||, ;, |, &, redirections, comments (#...). `export A=b` and `A=b cmd` recorded.
std::vector<SimpleCommand> tokenize_shell(std::string_view line);

}  // namespace rwkvq
