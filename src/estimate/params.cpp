// Parameter counts and size recognition in names (DESIGN §3, include/rwkvq/estimate/params.h).
#include "rwkvq/estimate/params.h"

#include <cmath>
#include <cstdio>
#include <vector>

#include "rwkvq/util/match.h"
#include "rwkvq/util/strings.h"
#include "rwkvq/util/fmath.h"

namespace rwkvq {

long long rwkv_params(long long L, long long D, long long V) { return 13 * L * D * D + 2 * V * D; }

std::optional<long long> parse_vocab(std::string_view text) {
  const std::string t = to_lower(trim(text));
  if (t == "neox" || t == "pile") return kVocabNeox;
  if (t == "world") return kVocabWorld;
  if (t.empty() || t.size() > 9) return std::nullopt;
  long long v = 0;
  for (char c : t) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
  }
  if (v <= 0) return std::nullopt;
  return v;
}

namespace {

struct Release {
  double billions;  // nominal size
  long long L, D;
  const char* label;
};
// The RWKV releases (v4 Pile/Raven, v5 World/Eagle, v6 Finch): nominal size -> shape.
const std::vector<Release>& releases() {
  static const std::vector<Release> r = {
      {0.1, 12, 768, "0.1B"},   {0.169, 12, 768, "169M"}, {0.4, 24, 1024, "0.4B"},
      {0.43, 24, 1024, "430M"}, {1.5, 24, 2048, "1.5B"},  {1.6, 24, 2048, "1.6B"},
      {3.0, 32, 2560, "3B"},    {7.0, 32, 4096, "7B"},    {14.0, 40, 5120, "14B"},
  };
  return r;
}

std::string base_name(std::string_view name) {
  std::string s(name);
  if (auto q = s.find_first_of("?#"); q != std::string::npos) s.resize(q);
  while (!s.empty() && s.back() == '/') s.pop_back();
  if (auto slash = s.find_last_of('/'); slash != std::string::npos) s = s.substr(slash + 1);
  // %XX escapes of URLs ("Eng98%25") become their character
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      out += static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      out += s[i];
    }
  }
  for (const char* ext : {".pth", ".ckpt", ".safetensors", ".bin", ".pt"})
    if (ends_with(to_lower(out), ext)) out.resize(out.size() - std::string_view(ext).size());
  return out;
}

}  // namespace

std::optional<NameSize> size_from_name(std::string_view name) {
  const std::string base = base_name(name);
  if (base.empty() || base.size() > 512) return std::nullopt;
  const std::string lower = to_lower(base);
  NameSize out;
  if (lower.find("world") != std::string::npos || lower.find("eagle") != std::string::npos ||
      lower.find("finch") != std::string::npos) {
    out.vocab_size = kVocabWorld;
  } else if (lower.find("pile") != std::string::npos || lower.find("neox") != std::string::npos ||
             lower.find("raven") != std::string::npos) {
    out.vocab_size = kVocabNeox;
  } else {
    out.vocab_size = kVocabNeox;
    out.vocab_assumed = true;
  }
  const std::string vocab_note = out.vocab_assumed ? ", vocabulary assumed neox"
                                 : *out.vocab_size == kVocabWorld ? ", world vocabulary"
                                                                  : ", neox vocabulary";

  // 1. Explicit shape: L24-D2048, L24_D2048, L24D2048.
  if (auto shape = find_layer_dim_shape(lower)) {
    out.n_layer = std::stoll(shape->first);
    out.n_embd = std::stoll(shape->second);
    if (*out.n_layer > 0 && *out.n_embd > 0) {
      out.params = rwkv_params(*out.n_layer, *out.n_embd, *out.vocab_size);
      out.what = "L" + std::to_string(*out.n_layer) + "-D" + std::to_string(*out.n_embd) + vocab_note;
      return out;
    }
    out.n_layer.reset();
    out.n_embd.reset();
  }

  // 2./3. Size tokens: 1B5, 1.5B, 7B, 169M.
  std::string token;
  std::vector<std::string> tokens;
  for (char c : lower) {
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '.') {
      token += c;
    } else {
      if (!token.empty()) tokens.push_back(token);
      token.clear();
    }
  }
  if (!token.empty()) tokens.push_back(token);
  for (const auto& t : tokens) {
    double billions = -1;
    if (auto f = match_b_fraction(t)) billions = std::stod(*f);
    else if (auto d = match_b_decimal(t)) billions = std::stod(*d);
    else if (auto mi = match_millions(t)) billions = std::stod(*mi) / 1000.0;
    if (billions <= 0) continue;
    for (const auto& r : releases()) {
      if (std::fabs(r.billions - billions) < 1e-9) {
        out.n_layer = r.L;
        out.n_embd = r.D;
        out.params = rwkv_params(r.L, r.D, *out.vocab_size);
        out.what = "release size " + t + " (L" + std::to_string(r.L) + " D" + std::to_string(r.D) + vocab_note + ")";
        return out;
      }
    }
    out.params = static_cast<long long>(fm::llround(billions * 1e9));
    out.vocab_size.reset();
    out.vocab_assumed = false;
    out.what = "nominal size " + t;
    return out;
  }
  return std::nullopt;
}

}  // namespace rwkvq
