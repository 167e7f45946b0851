#pragma once
// What the security/ rules know about commands, paths, variables and Python calls (the facts of
// DESIGN §11), shared by src/rules/security_rules.cpp. Reads the vetting model only.
#include <string>
#include <string_view>
#include <vector>

#include "rwkvq/request/request.h"

namespace rwkvq::rules::vet {

// One simple command of a shell line, with its real name found after sudo/env/nohup … prefixes.
struct ShellView {
  const ShellLine* line = nullptr;
  const SimpleCommand* cmd = nullptr;
  std::size_t start = 0;   // index of the command's name in cmd->words
  std::string name;        // basename of that word ("" when none)
  bool sudo = false;       // run through sudo / doas / su
  std::string sudo_word;
  std::string detached;    // "nohup" / "setsid" when a prefix detaches it

  std::vector<const ShellWord*> args() const;  // words after the name
  bool has_flag(char c) const;                 // a short option cluster holding c (-rf: 'r', 'f')
  bool has_word(std::string_view w) const;
  std::string show_plain() const;              // the command as text, shortened
  std::string show() const;                    // "`…`" naming the command
  std::string show_pipeline(const std::vector<ShellView>& views, std::size_t b, std::size_t e) const;
  std::string origin() const;                  // " (run from Python by os.system)" or ""
};

std::vector<ShellView> line_commands(const ShellLine& line);
std::vector<ShellView> shell_commands(const NotebookProgram& nb);

std::string shorten(std::string_view text, std::size_t max = 100);
std::string py_origin(const PyLine& l);  // " (code run by exec)" or ""
std::string last_part(std::string_view dotted);
std::string strip_at(std::string_view w);
std::string resolve_in(const std::string& cwd, const std::string& path);

// Secrets.
bool secret_var(std::string_view name);
std::string secret_var_note(std::string_view name);         // ": the runner's W&B key"
std::vector<std::string> shell_var_reads(const SimpleCommand& c);  // $NAME / ${NAME} read
std::string secret_file(std::string_view path);             // "the runner's Hugging Face token"; ""

// Commands.
bool is_interpreter(std::string_view name);
bool is_fetch(const ShellView& v);
bool is_decode(const ShellView& v);
std::string host_note(const ShellView& v);                  // " from example.org"
bool is_exec(std::string_view func);
bool is_decoder(std::string_view func);
bool is_print_like(std::string_view func);
const Downloaded* runs_downloaded(const ShellView& v, const std::string& cwd,
                                  const std::vector<Downloaded>& downloads, const Location& loc);
std::string pip_remote(const ShellView& v);                 // what is installed from outside PyPI
std::string shell_sends(const ShellView& v);
std::string python_sends(const PyCall& c);
std::string node_change(const ShellView& v, const std::string& cwd, bool checkout);
std::string python_node_change(const PyCall& c, bool checkout);
bool waited(const Vetting& vt, std::size_t line, std::size_t command);
std::string mining_word(std::string_view text);

}  // namespace rwkvq::rules::vet
