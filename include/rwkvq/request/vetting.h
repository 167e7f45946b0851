#pragma once
// What vetting (the security/* rules, DESIGN §11) reads, built once by load_request while the
// notebook is run statically: every shell command line with its pipes and redirections (from `!`
// lines, %%bash / %%script bash cells, %system, commands hidden in Python strings passed to a
// shell, `bash -c "…"`, `$(…)` and `<(…)`), and every Python line's tokens and calls with their
// arguments evaluated as far as the evaluator can (variables, f-strings, pieces joined, base64 /
// hex / rot13 / chr() decoded). Nothing is executed.
#include <string>
#include <vector>

#include "rwkvq/core/finding.h"
#include "rwkvq/request/python_eval.h"
#include "rwkvq/request/python_tokens.h"
#include "rwkvq/request/shell.h"

namespace rwkvq {

// Index of a command's own name in `words`, after prefixes that run the rest as a command
// (sudo, env VAR=x, nohup, setsid, nice, timeout N, xargs, command, exec …); words.size() if none.
std::size_t command_start(const std::vector<ShellWord>& words);

// Python functions that decode text (base64.b64decode, bytes.fromhex, codecs.decode, zlib…) and
// that fetch it from the network (requests.get, urllib.request.urlopen, socket …), by resolved name.
bool python_decoder(std::string_view func);
bool python_fetcher(std::string_view func);

// Where a shell line came from.
enum class ShellOrigin {
  Bang,          // `!cmd`, `var = !cmd`
  CellBody,      // a line of a %%bash / %%sh / %%script bash cell
  Magic,         // %system, %sx, %pip, %conda
  PythonCall,    // os.system("…"), subprocess.run([...]), os.popen(…) … (`via` names the call)
  Nested         // bash -c "…", eval "…", $(…), `…`, <(…) inside another shell line (`parent`)
};

struct ShellLine {
  std::vector<SimpleCommand> cmds;
  std::string text;          // the line as tokenised (after IPython substitution), for messages
  Location loc;
  ShellOrigin origin = ShellOrigin::Bang;
  std::string via;           // PythonCall: "os.system"; Nested: "bash -c", "$(…)", "<(…)"
  bool conditional = false;  // in a branch or loop that may not run
  bool reached = true;       // false: in a def body or a branch the runner did not follow
  std::string cwd;           // virtual working folder where it starts; "" unknown
  int shell = 0;             // lines of one shell process (a %%bash cell) share this number
  int parent = -1;           // Nested: index of the enclosing line in Vetting::shell
};

// One argument of a Python call.
struct PyArg {
  std::string keyword;           // "" for a positional argument
  std::vector<PyToken> tokens;   // the argument's tokens (no End token)
  Value value;                   // evaluated; decoded payloads included
  std::string decoded_by;        // the value was decoded at run time: "base64.b64decode", "chr()"
  std::string taint;             // made of fetched or decoded text: "the text downloaded by
                                 // requests.get in cell 3, line 2"; "" otherwise
  bool is_list = false;          // a list/tuple display: `items` holds its elements
  std::vector<Value> items;
};

struct PyCall {
  std::string func;      // dotted name with import aliases resolved: "os.system",
                         // "subprocess.run", "requests.post", "eval", "open"; a method on a call's
                         // result is ".name" with `receiver` the call ("requests.get" + ".text")
  std::string receiver;  // for ".name": the func of the call it is applied to
  std::string written;   // the callee as written: "sp.run", "getattr(os, 'sy' + 'stem')"
  std::string built;     // the callee's name was built at run time (getattr / __import__): how
  std::string module;    // getattr(M, …) of an imported module or a well-known one: M resolved
  std::vector<PyArg> args;
  std::size_t token = 0; // index of the callee's first token in PyLine::tokens

  const PyArg* arg(std::size_t pos, std::string_view keyword = "") const;
};

// A use of os.environ / os.getenv on a Python line.
struct EnvUse {
  enum class Kind { Read, Write, Dump } kind = Kind::Read;
  Value name;              // Read/Write: the variable's name (Unknown when it cannot be told)
  std::string construct;   // as written: "os.environ.get('HF_TOKEN')", "print(os.environ)"
};

struct PyLine {
  std::string text;           // the logical line (indentation kept)
  Location loc;
  bool conditional = false;
  bool reached = true;        // false: in a def/class body or a branch not followed
  std::vector<PyToken> tokens;  // with the End token; empty when the line does not tokenise
  std::vector<PyCall> calls;    // in source order (outer call before the calls in its arguments)
  std::vector<EnvUse> env;      // os.environ reads, writes and dumps
  int parent = -1;            // code run by exec("…") / python -c "…": the line holding it
  std::string via;            // "exec", "python -c", "{…} of a ! line"
};

// A file or folder the notebook downloads (wget, curl -o, urlretrieve, git clone …).
struct Downloaded {
  std::string path;      // virtual absolute path; "" unknown
  std::string name;      // basename
  std::string url;
  bool folder = false;   // git clone
  Location loc;
};

struct Vetting {
  std::vector<ShellLine> shell;
  std::vector<PyLine> python;
  std::vector<Downloaded> downloads;
  // Text that could not be followed (nesting too deep, a cap reached): where and why.
  std::vector<std::pair<Location, std::string>> unfollowed;
};

}  // namespace rwkvq

#include <map>
#include <set>

namespace rwkvq {

struct CodeLine;

// Fills a Vetting while load_request runs a notebook (request.cpp calls it for every line at the
// point where it runs, with the variables of that point).
class VetBuilder {
 public:
  // `file`: the notebook, relative to the request folder (Location::file of Python lines).
  VetBuilder(Vetting& out, std::string file) : out_(out), file_(std::move(file)) {}

  // A new shell process (a `!` line, a %%bash cell); returns its number for ShellLine::shell.
  int new_shell() { return ++shells_; }
  // A shell line as the shell sees it (IPython substitution done, with its markers).
  void shell_line(std::string_view text, const Location& loc, ShellOrigin origin, std::string via,
                  std::string cwd, bool conditional, bool reached, int shell, int parent = -1);
  // The same, `cmds` being tokenize_shell(text) already (the caller needs them too).
  void shell_line(std::string_view text, std::vector<SimpleCommand> cmds, const Location& loc, ShellOrigin origin,
                  std::string via, std::string cwd, bool conditional, bool reached, int shell, int parent = -1);
  // A Python line of a cell.
  void python_line(const CodeLine& line, const PyEnv& env, bool conditional, bool reached);
  // The {expr} fields IPython evaluates in a `!` line: Python code too.
  void bang_fields(const CodeLine& line, const PyEnv& env, bool conditional, bool reached);

 private:
  void python_text(std::string_view text, const Location& loc, const PyEnv& env, bool conditional,
                   bool reached, int parent, std::string via);
  void imports(const std::vector<PyToken>& t);
  std::string resolve(const std::string& dotted) const;
  std::string taint_of(const std::vector<PyToken>& t, std::size_t b, std::size_t e,
                       const Location& loc) const;
  PyArg make_arg(const std::vector<PyToken>& t, std::size_t b, std::size_t e, const PyEnv& env,
                 const Location& loc);
  Value value_of(const std::vector<PyToken>& t, std::size_t b, std::size_t e, const PyEnv& env,
                 std::string& decoded_by);
  void calls(PyLine& line, const PyEnv& env);
  void assignment(const PyLine& line, const PyEnv& env);
  void env_uses(PyLine& line, const PyEnv& env);
  void run_calls(std::size_t line_index, const PyEnv& env);
  void add_python(PyLine line, const PyEnv& env);
  Location where(const CodeLine& line) const;
  void nested_shell(std::size_t index);
  void record_downloads(const ShellLine& line);

  Vetting& out_;
  std::string file_;
  int shells_ = 0;
  int depth_ = 0;
  std::map<std::string, std::string> aliases_;  // name -> module or function ("sp" -> "subprocess")
  std::map<std::string, std::string> built_;    // alias made by getattr/__import__ -> how
  std::vector<std::string> star_modules_;       // from M import *
  std::map<std::string, std::string> taint_;    // variable -> what fetched/decoded text it holds
  std::map<std::string, Value> decoded_;        // variable -> value decoded at run time
};

}  // namespace rwkvq
