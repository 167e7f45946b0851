// STUB: to be replaced by the real implementation.
#include "rwkvq/request/python_eval.h"
#include "rwkvq/request/code_lines.h"
#include <stdexcept>
namespace rwkvq {

Value Value::unknown(std::string why) { Value v; v.why = std::move(why); return v; }
Value Value::string(std::string s) { Value v; v.kind = Kind::String; v.str = std::move(s); return v; }
std::string Value::to_str() const { return str; }
Value PyEnv::get(const std::string& name) const { auto it = vars.find(name); return it == vars.end() ? Value::unknown(name + " is never set") : it->second; }
Value eval_expr(std::string_view, const PyEnv&) { return Value::unknown("not implemented"); }
void exec_python_line(std::string_view, PyEnv&) {}
void exec_python_cell(const std::vector<CodeLine>&, PyEnv&) {}
}  // namespace rwkvq
