#pragma once
// Static evaluation of the simple Python a notebook uses to set variables. Only literals and a
// handful of pure operations are understood; anything else is Unknown (never invented).
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rwkvq {

struct Value {
  enum class Kind { Unknown, String, Int, Float, Bool, None };
  Kind kind = Kind::Unknown;
  std::string str;  // String
  long long i = 0;  // Int
  double f = 0;     // Float
  bool b = false;   // Bool
  std::string why;  // Unknown: why ("calls input()", "depends on unknown X")

  static Value unknown(std::string why);
  static Value string(std::string s);
  bool known() const { return kind != Kind::Unknown; }
  // str(x) semantics for known values: "True", "3", "0.5", "None", the string itself.
  std::string to_str() const;
};

// Variables known at a point of the notebook. Cells run top to bottom; a name assigned inside a
// branch or loop whose outcome is not static becomes Unknown.
struct PyEnv {
  std::map<std::string, Value> vars;
  std::string notebook_dir;  // virtual absolute path of the notebook's folder (see vpath.h)
  // The kernel's working folder when it differs from notebook_dir (os.chdir, %cd); "" = unknown.
  std::optional<std::string> cwd;
  std::string current_dir() const { return cwd ? *cwd : notebook_dir; }
  Value get(const std::string& name) const;  // Unknown("NAME is never set") when absent
};

// Evaluates an expression: str/int/float/bool/None literals, f-strings, "…".format(...), `+` of
// strings and numbers, str(x), int(x), x.replace(a, b), os.path.join/abspath/dirname/basename,
// os.path.dirname(os.path.abspath("__file__")) = env.notebook_dir, os.getcwd() = notebook_dir.
Value eval_expr(std::string_view expr, const PyEnv& env);

// True when `expr` is syntactically an expression rwkvq's evaluator can parse (its value may still
// be Unknown). IPython leaves a `!` line untouched when one of its {fields} is not valid Python.
bool is_python_expression(std::string_view expr);

// Executes one logical Python line (from classify_cell): `NAME = expr`, `A = B = expr`,
// `NAME += expr`, `import`s (ignored) ... Lines it does not understand leave env unchanged except
// for names they may assign, which become Unknown.
void exec_python_line(std::string_view line, PyEnv& env);

// A command a Python line starts (DESIGN §7): subprocess.run/call/check_call/check_output/Popen
// with a list (or a string and shell=True), os.system("…"). Values are those of `env`.
struct PythonCommand {
  std::string call;          // "subprocess.run", "os.system" ...
  bool shell = false;        // `text` is a shell command line (os.system, shell=True)
  Value text;                // shell: the command line (Unknown when unresolved)
  std::vector<Value> argv;   // list form: each argument (Unknown ones say why)
  bool argv_known = true;    // list form: false when the list itself could not be read
  std::string why;           // ... and why
};
// nullopt when the line calls none of them.
std::optional<PythonCommand> python_command(std::string_view line, const PyEnv& env);

// Runs every Python line of a code cell in order (handles if/else/for/with blocks by indentation).
struct CodeLine;
void exec_python_cell(const std::vector<CodeLine>& lines, PyEnv& env);

// The same, calling `on_shell` for every Shell, LineMagic, CellMagic and ShellCellBody line, and
// every Python line that starts a command (python_command), at
// the point where it runs, with the variables of that point. `conditional` is true when the line
// sits in a branch or loop whose execution cannot be decided statically; lines in a branch that
// is statically not taken, or in a def/class body, are not reported. A `var = !cmd` line makes
// `var` Unknown after the callback.
using ShellLineHandler = std::function<void(const CodeLine& line, PyEnv& env, bool conditional)>;
void exec_python_cell(const std::vector<CodeLine>& lines, PyEnv& env,
                      const ShellLineHandler& on_shell);

// The same, also calling `on_python` for every Python line (a compound statement's header
// included) at the point where it runs, with the variables before it runs. Lines the runner
// never reaches (def/class bodies, branches statically not taken) are not reported.
using PythonLineHandler = std::function<void(const CodeLine& line, const PyEnv& env, bool conditional)>;
void exec_python_cell(const std::vector<CodeLine>& lines, PyEnv& env,
                      const ShellLineHandler& on_shell, const PythonLineHandler& on_python);

}  // namespace rwkvq
