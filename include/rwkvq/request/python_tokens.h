#pragma once
// The Python tokenizer of the evaluator (python/tokens.cpp), public so that vetting (vetting.h)
// reads the same tokens the evaluator does instead of lexing Python a second time.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "rwkvq/request/python_eval.h"

namespace rwkvq {

struct PyToken {
  enum T { Name, Num, Str, Op, End } t = End;
  std::string s;  // Name/Op: the text; Num: the literal; Str: decoded body (raw body for f-strings)
  bool fstr = false;
  bool raw = false;
  bool bytes = false;
};

// Tokens of one logical Python line (comments dropped), ending with an End token. nullopt (with
// the reason in `why`) when the line cannot be tokenised (an unterminated string).
std::optional<std::vector<PyToken>> tokenize_python(std::string_view src, std::string* why = nullptr);

// The value of the expression made of `toks` (an End token is added when missing), as eval_expr
// computes it for text. Unknown (with the reason) when it cannot be evaluated.
Value eval_python_tokens(std::vector<PyToken> toks, const PyEnv& env);

}  // namespace rwkvq
