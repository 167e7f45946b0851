#pragma once
// Hand-written matchers for the few text patterns rwkvq recognises. They replace std::regex,
// whose construction (a compiler and an automaton per pattern, with locale look-ups) cost a
// quarter of the instructions of `rwkvq validate` on one request (issue 12.6). Each one behaves
// exactly like the regular expression quoted above it (ECMAScript, as std::regex ran it: `\s` is
// space, \t, \n, \v, \f, \r; `\d` is 0-9; `.` is any byte but \n and \r); the unit tests compare
// them with std::regex on hand-picked and generated inputs. All but the Discord matcher are one
// forward scan; that one backtracks like the regex did but remembers failed positions, so
// hostile input costs polynomial, not exponential, time (its caller caps the text at 200).
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace rwkvq {

// `\s` of std::regex in the C locale.
inline bool is_regex_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}
inline bool is_ascii_digit(char c) { return c >= '0' && c <= '9'; }

// regex_search(code, NAME\s*=\s*(['"])([^'"]*)\1): the first Python keyword argument NAME
// given as a string literal; its text.
std::optional<std::string> python_keyword_string(std::string_view code, std::string_view name);

// regex_search(code, _download\(\s*(['"])([^'"]*)\1(\s*,\s*(['"])([^'"]*)\4)?): the first one
// or two positional string arguments of hf_hub_download(...) / snapshot_download(...).
struct DownloadArgs {
  std::string first;
  std::optional<std::string> second;
};
std::optional<DownloadArgs> download_positional_strings(std::string_view code);

// regex_match(name, ^deepspeed_stage_([123])(_offload)?$): the ZeRO stage and whether it
// offloads.
struct DeepspeedStage {
  int stage = 0;
  bool offload = false;
};
std::optional<DeepspeedStage> match_deepspeed_stage(std::string_view name);

// regex_search(lower, (?:^|[^a-z0-9])l(\d{1,3})[-_]?d(\d{2,5})(?:[^0-9]|$)): the first
// explicit model shape in a (lower-case) name, "l24-d2048" -> {"24", "2048"}.
std::optional<std::pair<std::string, std::string>> find_layer_dim_shape(std::string_view lower);

// The size tokens of model names, each a whole regex_match:
//  ^(\d{1,3})b(\d)$              "1b5" -> "1.5"
//  ^(\d{1,3}(?:\.\d{1,2})?)b$    "1.5b", "7b" -> "1.5", "7"
//  ^(\d{2,4})m$                  "169m" -> "169" (millions)
std::optional<std::string> match_b_fraction(std::string_view token);
std::optional<std::string> match_b_decimal(std::string_view token);
std::optional<std::string> match_millions(std::string_view token);

// regex_match(name, ^training-notebook-part([0-9]+)\.ipynb$): the part's digits.
std::optional<std::string> match_notebook_part(std::string_view name);

// regex_match(n, ^(.*?)(?:-?(?:part|pt|p)-?|-)0*([0-9]{1,4})$): a name ending in a part
// number ("x-part-01", "x_p3" after '_' -> '-', "x-2"): the stem and the number without its
// leading zeros ("0" for all zeros).
struct PartSuffix {
  std::string stem;
  std::string number;
};
std::optional<PartSuffix> match_part_suffix(std::string_view n);

// regex_search with std::regex::icase of
//   discord(?:\s*(?:handle|user\s*name|username|user|name|id|tag|account|nick(?:name)?)s?)*
//   [\s*_`]*(?::|-|–|=|\bis\b)[\s*_`"']*([A-Za-z0-9_.#][A-Za-z0-9_.#-]{1,36})
// ("Discord handle: name", "discord username is name"): the name of the first match.
std::optional<std::string> find_discord_named_handle(std::string_view text);

// regex_match(t, ^\s*([0-9]+(?:\.[0-9]+)?)\s*([kKmMgG]?)(?:i?[bB])?\s*$): a size "5 MiB",
// "1.5G", "5242880": the number and the unit letter ("" when none).
struct SizeText {
  std::string number;
  std::string unit;
};
std::optional<SizeText> match_size_text(std::string_view t);

// regex_match(id, ^[a-z0-9][a-z0-9-]*/[a-z0-9][a-z0-9-]*$): a rule id "group/name".
bool is_rule_id(std::string_view id);

}  // namespace rwkvq
