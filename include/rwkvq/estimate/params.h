#pragma once
// Parameter counts of RWKV v4/v5/v6 models (DESIGN §3) and recognition of model sizes in names.
#include <optional>
#include <string>
#include <string_view>

namespace rwkvq {

inline constexpr long long kVocabNeox = 50277;   // GPT-NeoX tokenizer (Pile models, "neox")
inline constexpr long long kVocabWorld = 65536;  // RWKV World tokenizer

// 13·L·D² + 2·V·D: per layer, time-mix (≈5·D² in v5: r, k, v, g, o; ≈4·D² in v4) and
// channel-mix (≈8·D² in v5 with 3.5·D hidden; ≈8·D² in v4 with 4·D) ≈ 13·D² together; plus the
// embedding and the head, V·D each. Within 0.1 % of real exported models (small vectors, layer
// norms and decay terms are ignored).
long long rwkv_params(long long n_layer, long long n_embd, long long vocab_size);

// "neox" -> 50277, "world" -> 65536, "12345" -> 12345; nullopt otherwise.
std::optional<long long> parse_vocab(std::string_view text);

// What a file or URL name says about the model's size.
struct NameSize {
  std::optional<long long> n_layer, n_embd, vocab_size;
  long long params = 0;   // best estimate
  std::string what;       // "L24-D2048", "release 1B5 (L24 D2048)", "nominal size 1B4"
  bool vocab_assumed = false;  // vocabulary not in the name: neox assumed
};

// Recognises, in this order:
//  - explicit shape "L24-D2048" / "L24_D2048" / "L24D2048";
//  - a known release size (0.1B/169M = L12 D768, 0.4B/430M = L24 D1024, 1B5/1.5B = L24 D2048,
//    1B6/1.6B = L24 D2048 (v6), 3B = L32 D2560, 7B = L32 D4096, 14B = L40 D5120);
//  - any other size token ("1B4", "2.9B", "800M") as a nominal count.
// The vocabulary is World when the name says "world" or "eagle"/"finch" (World-only families),
// neox when it says "pile"/"neox"/"raven", else neox is assumed (vocab_assumed).
// Only the base name is considered (path folders and URL query strings are stripped).
std::optional<NameSize> size_from_name(std::string_view name);

}  // namespace rwkvq
