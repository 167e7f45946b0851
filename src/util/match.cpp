// Hand-written matchers that replace std::regex (see the header). Where a pattern could
// backtrack, the comment says why the greedy choice is the only one that can succeed, so that a
// single forward scan gives the same answer as the regular expression.
#include "rwkvq/util/match.h"

#include <array>
#include <vector>

namespace rwkvq {
namespace {

bool is_lower_alnum(char c) { return (c >= 'a' && c <= 'z') || is_ascii_digit(c); }
bool is_ascii_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
char ascii_lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

std::size_t skip_spaces(std::string_view s, std::size_t i) {
  while (i < s.size() && is_regex_space(s[i])) ++i;
  return i;
}
std::size_t skip_digits(std::string_view s, std::size_t i) {
  while (i < s.size() && is_ascii_digit(s[i])) ++i;
  return i;
}

// (['"])([^'"]*)\1 at i: the text between the quotes and the position after the closing one.
// [^'"]* stops at the first quote of either kind; giving characters back cannot help, since
// what precedes that quote is not a quote.
std::optional<std::pair<std::string_view, std::size_t>> quoted_at(std::string_view s, std::size_t i) {
  if (i >= s.size() || (s[i] != '\'' && s[i] != '"')) return std::nullopt;
  const char q = s[i];
  std::size_t j = i + 1;
  while (j < s.size() && s[j] != '\'' && s[j] != '"') ++j;
  if (j >= s.size() || s[j] != q) return std::nullopt;
  return std::make_pair(s.substr(i + 1, j - i - 1), j + 1);
}

}  // namespace

std::optional<std::string> python_keyword_string(std::string_view code, std::string_view name) {
  // \s*=\s* before a quote: the greedy \s* is the only way (a space is neither '=' nor a quote).
  for (std::size_t p = code.find(name); p != std::string_view::npos; p = code.find(name, p + 1)) {
    std::size_t i = skip_spaces(code, p + name.size());
    if (i >= code.size() || code[i] != '=') continue;
    if (auto q = quoted_at(code, skip_spaces(code, i + 1))) return std::string(q->first);
  }
  return std::nullopt;
}

std::optional<DownloadArgs> download_positional_strings(std::string_view code) {
  constexpr std::string_view kCall = "_download(";
  for (std::size_t p = code.find(kCall); p != std::string_view::npos; p = code.find(kCall, p + 1)) {
    auto first = quoted_at(code, skip_spaces(code, p + kCall.size()));
    if (!first) continue;
    DownloadArgs a;
    a.first = std::string(first->first);
    // The optional group (\s*,\s*(['"])([^'"]*)\4)?: taken when it matches, else unmatched.
    std::size_t i = skip_spaces(code, first->second);
    if (i < code.size() && code[i] == ',')
      if (auto second = quoted_at(code, skip_spaces(code, i + 1))) a.second = std::string(second->first);
    return a;
  }
  return std::nullopt;
}

std::optional<DeepspeedStage> match_deepspeed_stage(std::string_view name) {
  constexpr std::string_view kPrefix = "deepspeed_stage_";
  if (name.substr(0, kPrefix.size()) != kPrefix || name.size() <= kPrefix.size()) return std::nullopt;
  const char d = name[kPrefix.size()];
  if (d != '1' && d != '2' && d != '3') return std::nullopt;
  std::string_view rest = name.substr(kPrefix.size() + 1);
  if (!rest.empty() && rest != "_offload") return std::nullopt;
  return DeepspeedStage{d - '0', !rest.empty()};
}

std::optional<std::pair<std::string, std::string>> find_layer_dim_shape(std::string_view s) {
  // l(\d{1,3})[-_]?d(\d{2,5})(?:[^0-9]|$) at the 'l': the digits must be whole runs (what follows
  // each group, [-_d] and [^0-9] or the end, is not a digit), and [-_]? must be taken exactly
  // when the next character is - or _ (else that character would have to be the 'd').
  auto at = [&](std::size_t l) -> std::optional<std::pair<std::string, std::string>> {
    std::size_t i = l + 1, e = skip_digits(s, i);
    if (e - i < 1 || e - i > 3) return std::nullopt;
    std::string layers(s.substr(i, e - i));
    i = e;
    if (i < s.size() && (s[i] == '-' || s[i] == '_')) ++i;
    if (i >= s.size() || s[i] != 'd') return std::nullopt;
    ++i;
    e = skip_digits(s, i);
    if (e - i < 2 || e - i > 5) return std::nullopt;
    return std::make_pair(std::move(layers), std::string(s.substr(i, e - i)));
  };
  for (std::size_t p = 0; p < s.size(); ++p) {
    // (?:^|[^a-z0-9]) then 'l': the match starts at p either way (^ at 0, or the separator at p).
    std::optional<std::pair<std::string, std::string>> r;
    if (p == 0 && s[0] == 'l') r = at(0);
    else if (!is_lower_alnum(s[p]) && p + 1 < s.size() && s[p + 1] == 'l') r = at(p + 1);
    if (r) return r;
  }
  return std::nullopt;
}

std::optional<std::string> match_b_fraction(std::string_view t) {
  const std::size_t e = skip_digits(t, 0);
  if (e < 1 || e > 3 || t.size() != e + 2 || t[e] != 'b' || !is_ascii_digit(t[e + 1])) return std::nullopt;
  return std::string(t.substr(0, e)) + "." + t[e + 1];
}

std::optional<std::string> match_b_decimal(std::string_view t) {
  std::size_t e = skip_digits(t, 0);
  if (e < 1 || e > 3) return std::nullopt;
  if (e < t.size() && t[e] == '.') {  // (?:\.\d{1,2})?: a '.' can be matched by nothing else
    const std::size_t f = skip_digits(t, e + 1);
    if (f - e - 1 < 1 || f - e - 1 > 2) return std::nullopt;
    e = f;
  }
  if (t.size() != e + 1 || t[e] != 'b') return std::nullopt;
  return std::string(t.substr(0, e));
}

std::optional<std::string> match_millions(std::string_view t) {
  const std::size_t e = skip_digits(t, 0);
  if (e < 2 || e > 4 || t.size() != e + 1 || t[e] != 'm') return std::nullopt;
  return std::string(t.substr(0, e));
}

std::optional<std::string> match_notebook_part(std::string_view name) {
  constexpr std::string_view kPrefix = "training-notebook-part", kSuffix = ".ipynb";
  if (name.substr(0, kPrefix.size()) != kPrefix) return std::nullopt;
  const std::size_t e = skip_digits(name, kPrefix.size());
  if (e == kPrefix.size() || name.substr(e) != kSuffix) return std::nullopt;
  return std::string(name.substr(kPrefix.size(), e - kPrefix.size()));
}

std::optional<PartSuffix> match_part_suffix(std::string_view n) {
  // 0*([0-9]{1,4})$ is the whole run of digits at the end (the separator before it holds no
  // digit); of that run, 0* keeps back one zero when all are zeros, and at most 4 digits remain.
  std::size_t j = n.size();
  while (j > 0 && is_ascii_digit(n[j - 1])) --j;
  if (j == n.size()) return std::nullopt;
  std::size_t z = j;
  while (z + 1 < n.size() && n[z] == '0') ++z;
  if (n.size() - z > 4) return std::nullopt;
  // (.*?) is lazy: the shortest stem, so the longest separator that ends the text before the
  // digits. The separators -?(?:part|pt|p)-? | -, longest first.
  static constexpr std::array<std::string_view, 13> kSeparators = {
      "-part-", "-part", "part-", "-pt-", "part", "-pt", "pt-", "-p-", "pt", "-p", "p-", "p", "-"};
  const std::string_view before = n.substr(0, j);
  for (std::string_view sep : kSeparators) {
    if (before.size() < sep.size() || before.substr(before.size() - sep.size()) != sep) continue;
    const std::string_view stem = before.substr(0, before.size() - sep.size());
    if (stem.find_first_of("\n\r") != std::string_view::npos) return std::nullopt;  // '.' stops there
    return PartSuffix{std::string(stem), std::string(n.substr(z))};
  }
  return std::nullopt;
}

namespace {

// The Discord pattern is matched by a backtracking search that tries the alternatives in the
// order the regular expression does; a failed position is remembered, so the search is
// polynomial where std::regex was exponential (e.g. "usernameusername..." parses three ways).
class DiscordMatcher {
 public:
  explicit DiscordMatcher(std::string_view s)
      : s_(s), loop_failed_(s.size() + 1, false), post_failed_(s.size() + 1, false) {}

  std::optional<std::string> search() {
    for (std::size_t p = 0; p + 7 <= s_.size(); ++p)
      if (lit(p, "discord") && loop(p + 7)) return std::string(s_.substr(cap_b_, cap_e_ - cap_b_));
    return std::nullopt;
  }

 private:
  // Case-insensitive literal at i (std::regex::icase lowers both sides, bytes >= 0x80 unchanged).
  bool lit(std::size_t i, std::string_view w) const {
    if (i + w.size() > s_.size()) return false;
    for (std::size_t k = 0; k < w.size(); ++k)
      if (ascii_lower(s_[i + k]) != ascii_lower(w[k])) return false;
    return true;
  }
  static bool is_word(char c) { return is_ascii_alpha(c) || is_ascii_digit(c) || c == '_'; }
  static bool handle_first(char c) {
    return is_ascii_alpha(c) || is_ascii_digit(c) || c == '_' || c == '.' || c == '#';
  }
  static bool handle_rest(char c) { return handle_first(c) || c == '-'; }

  // The ends of the keyword alternatives at i, in the pattern's order:
  // handle|user\s*name|username|user|name|id|tag|account|nick(?:name)?
  // (user\s*name: \s* greedy is the only way, as 'n' is not a space.)
  std::vector<std::size_t> keyword_ends(std::size_t i) const {
    std::vector<std::size_t> ends;
    if (lit(i, "handle")) ends.push_back(i + 6);
    if (lit(i, "user")) {
      const std::size_t k = skip_spaces(s_, i + 4);
      if (lit(k, "name")) ends.push_back(k + 4);
    }
    if (lit(i, "username")) ends.push_back(i + 8);
    if (lit(i, "user")) ends.push_back(i + 4);
    if (lit(i, "name")) ends.push_back(i + 4);
    if (lit(i, "id")) ends.push_back(i + 2);
    if (lit(i, "tag")) ends.push_back(i + 3);
    if (lit(i, "account")) ends.push_back(i + 7);
    if (lit(i, "nickname")) ends.push_back(i + 8);
    if (lit(i, "nick")) ends.push_back(i + 4);
    return ends;
  }

  // (?:\s*(?:keyword)s?)* from i (greedy: one more iteration first), then the rest.
  bool loop(std::size_t i) {
    if (loop_failed_[i]) return false;
    const std::size_t k = skip_spaces(s_, i);  // \s* before a keyword: only the greedy choice
    for (std::size_t e : keyword_ends(k)) {
      if (e < s_.size() && (s_[e] == 's' || s_[e] == 'S') && loop(e + 1)) return true;
      if (loop(e)) return true;
    }
    if (separator(i)) return true;
    loop_failed_[i] = true;
    return false;
  }

  // [\s*_`]*(?::|-|–|=|\bis\b) from i.
  bool separator(std::size_t i) {
    std::size_t j = i;
    while (j < s_.size() && (is_regex_space(s_[j]) || s_[j] == '*' || s_[j] == '_' || s_[j] == '`')) ++j;
    for (std::size_t k = j + 1; k-- > i;) {
      if (k < s_.size() && (s_[k] == ':' || s_[k] == '-') && post(k + 1)) return true;
      if (lit(k, "\xE2\x80\x93") && post(k + 3)) return true;  // en dash
      if (k < s_.size() && s_[k] == '=' && post(k + 1)) return true;
      if (lit(k, "is") && (k == 0 || !is_word(s_[k - 1])) && (k + 2 == s_.size() || !is_word(s_[k + 2])) &&
          post(k + 2))
        return true;
    }
    return false;
  }

  // [\s*_`"']*([A-Za-z0-9_.#][A-Za-z0-9_.#-]{1,36}) from i: the quote-and-space run, given
  // back one character at a time (its '_' may start the name).
  bool post(std::size_t i) {
    if (post_failed_[i]) return false;
    std::size_t j = i;
    while (j < s_.size() && (is_regex_space(s_[j]) || s_[j] == '*' || s_[j] == '_' || s_[j] == '`' ||
                             s_[j] == '"' || s_[j] == '\''))
      ++j;
    for (std::size_t k = j + 1; k-- > i;) {
      if (k + 1 >= s_.size() || !handle_first(s_[k]) || !handle_rest(s_[k + 1])) continue;
      std::size_t e = k + 1;
      while (e < s_.size() && e - k - 1 < 36 && handle_rest(s_[e])) ++e;
      cap_b_ = k;
      cap_e_ = e;
      return true;
    }
    post_failed_[i] = true;
    return false;
  }

  std::string_view s_;
  std::vector<bool> loop_failed_, post_failed_;
  std::size_t cap_b_ = 0, cap_e_ = 0;
};

}  // namespace

std::optional<std::string> find_discord_named_handle(std::string_view text) {
  if (text.size() < 7) return std::nullopt;
  return DiscordMatcher(text).search();
}

std::optional<SizeText> match_size_text(std::string_view t) {
  // Each part is followed by something its own characters cannot be, so greedy scanning is exact.
  std::size_t i = skip_spaces(t, 0), b = i;
  i = skip_digits(t, i);
  if (i == b) return std::nullopt;
  if (i < t.size() && t[i] == '.') {
    const std::size_t f = skip_digits(t, i + 1);
    if (f == i + 1) return std::nullopt;
    i = f;
  }
  SizeText r;
  r.number = std::string(t.substr(b, i - b));
  i = skip_spaces(t, i);
  if (i < t.size() && std::string_view("kKmMgG").find(t[i]) != std::string_view::npos) r.unit = std::string(1, t[i++]);
  if (i < t.size() && t[i] == 'i' && i + 1 < t.size() && (t[i + 1] == 'b' || t[i + 1] == 'B')) i += 2;
  else if (i < t.size() && (t[i] == 'b' || t[i] == 'B')) ++i;
  if (skip_spaces(t, i) != t.size()) return std::nullopt;
  return r;
}

bool is_rule_id(std::string_view id) {
  const std::size_t slash = id.find('/');
  if (slash == std::string_view::npos) return false;
  auto part = [](std::string_view p) {
    if (p.empty() || !is_lower_alnum(p[0])) return false;
    for (char c : p)
      if (!is_lower_alnum(c) && c != '-') return false;
    return true;
  };
  return part(id.substr(0, slash)) && part(id.substr(slash + 1));
}

}  // namespace rwkvq
