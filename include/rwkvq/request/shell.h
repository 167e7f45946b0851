#pragma once
// IPython substitution and a POSIX-like shell tokeniser for `!` lines and shell cells.
#include <string>
#include <string_view>
#include <vector>

#include "rwkvq/request/python_eval.h"

namespace rwkvq {

// Replaces {NAME} (and {expr} of known names, {{ / }} escapes) and $NAME with values from env,
// as IPython does for `!` lines. An unknown value is left as "{NAME}" and `unknown` is set.
// `why` (optional) receives the reason of the first unknown part.
// Like IPython: `$name` / `$name.attr` are expanded only outside single quotes and only when
// `name` is a Python variable of env (otherwise left for the shell); `$$` gives `$`; when a
// {field} is not a valid Python expression (awk '{print $1}') the line is left untouched.
std::string ipython_substitute(std::string_view line, const PyEnv& env, bool* unknown = nullptr,
                               std::string* why = nullptr);

// The same, but each unresolved part is wrapped in markers that tokenize_shell() turns into
// ShellWord::unknown/why: '\x01' why '\x02' original-text '\x03'. Use this to feed
// tokenize_shell; ipython_substitute() is this with the markers removed.
std::string ipython_substitute_marked(std::string_view line, const PyEnv& env,
                                      bool* unknown = nullptr);

struct ShellWord {
  std::string text;      // after quote removal and escapes
  bool unknown = false;  // contains an unresolved {NAME} / $VAR / $(...) / backtick part
  std::string why;       // unknown: the reason of the first unresolved part
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
