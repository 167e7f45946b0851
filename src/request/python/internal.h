#pragma once
// Internals shared by the three parts of the Python evaluator (tokens.cpp: literals and the
// tokenizer; expr.cpp: the expression parser; exec.cpp: statements and blocks). Not public:
// include/rwkvq/request/python_eval.h and python_tokens.h are the API.
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "rwkvq/request/python_eval.h"
#include "rwkvq/request/python_tokens.h"

namespace rwkvq::py {

constexpr int kMaxDepth = 64;

using Tok = PyToken;

struct ParseFail {
  std::string why;
};

// tokens.cpp
Value make_int(long long i);
Value make_float(double f);
Value make_bool(bool b);
Value make_none();
std::string float_repr(double f);
std::string py_repr(const Value& v);
bool ident_start(char c);
bool ident_char(char c);
std::string decode_escapes(std::string_view s);
std::vector<Tok> tokenize(std::string_view src);  // throws ParseFail

// An intermediate result: a value, a reference to a known builtin ("os.path.join"), a bound
// string method, or a tuple/list.
struct EV {
  Value v;
  std::string ref;         // builtin reference
  std::string method;      // bound method name on v
  bool seq = false;        // tuple or list
  std::vector<EV> items;
};

// expr.cpp
EV val(Value v);
EV unk(std::string why);
bool truthy(const Value& v, bool& known);
bool is_num(const Value& v);
double as_double(const Value& v);
long long as_int(const Value& v);
EV eval_tokens(const std::vector<Tok>& toks, const PyEnv& env, int depth);  // throws ParseFail
Value to_value(const EV& e);
std::string shorten(std::string_view s);

}  // namespace rwkvq::py
