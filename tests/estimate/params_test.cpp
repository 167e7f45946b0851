#include <catch2/catch.hpp>

#include "rwkvq/estimate/params.h"

using namespace rwkvq;

TEST_CASE("rwkv_params: 13·L·D² + 2·V·D matches real exported models", "[estimate]") {
  // counts printed by the corpus notebooks when exporting (truth.jsonl)
  auto within = [](long long est, long long real, double tol) {
    return std::abs(static_cast<double>(est - real)) / static_cast<double>(real) < tol;
  };
  CHECK(rwkv_params(24, 2048, kVocabNeox) == 13LL * 24 * 2048 * 2048 + 2LL * 50277 * 2048);
  CHECK(within(rwkv_params(24, 2048, kVocabNeox), 1515107840, 0.001));   // v5 1.5B neox
  CHECK(within(rwkv_params(32, 4096, kVocabWorld), 7518044160, 0.001));  // v5 Eagle 7B World
  CHECK(within(rwkv_params(32, 2560, kVocabWorld), 3062999040, 0.001));  // v5 World 3B
  CHECK(within(rwkv_params(24, 1024, kVocabNeox), 430397440, 0.001));    // L24-D1024
  CHECK(within(rwkv_params(12, 2560, kVocabNeox), 1280128000, 0.001));   // L12-D2560
}

TEST_CASE("parse_vocab", "[estimate]") {
  CHECK(parse_vocab("neox") == kVocabNeox);
  CHECK(parse_vocab("World") == kVocabWorld);
  CHECK(parse_vocab("50277") == 50277);
  CHECK_FALSE(parse_vocab("abc"));
  CHECK_FALSE(parse_vocab("0"));
  CHECK_FALSE(parse_vocab(""));
}

TEST_CASE("size_from_name: explicit shapes", "[estimate]") {
  auto a = size_from_name("../model/L24-D2048-neox-v5-init.pth");
  REQUIRE(a);
  CHECK(a->n_layer == 24);
  CHECK(a->n_embd == 2048);
  CHECK(a->vocab_size == kVocabNeox);
  CHECK_FALSE(a->vocab_assumed);
  CHECK(a->params == rwkv_params(24, 2048, kVocabNeox));

  auto b = size_from_name("https://huggingface.co/x/y/resolve/main/L12-D2560-init.pth");
  REQUIRE(b);
  CHECK(b->n_layer == 12);
  CHECK(b->vocab_assumed);

  auto c = size_from_name("v5-L6_D512-world.pth");
  REQUIRE(c);
  CHECK(c->n_layer == 6);
  CHECK(c->n_embd == 512);
  CHECK(c->vocab_size == kVocabWorld);
}

TEST_CASE("size_from_name: known releases", "[estimate]") {
  auto eagle = size_from_name(
      "https://huggingface.co/RWKV/v5-Eagle-7B/resolve/main/RWKV-v5-Eagle-World-7B-v2-20240128-ctx4096.pth?download=true");
  REQUIRE(eagle);
  CHECK(eagle->n_layer == 32);
  CHECK(eagle->n_embd == 4096);
  CHECK(eagle->vocab_size == kVocabWorld);

  auto w15 = size_from_name("RWKV-5-World-1B5-v2-20231025-ctx4096.pth");
  REQUIRE(w15);
  CHECK(w15->params == rwkv_params(24, 2048, kVocabWorld));

  auto raven = size_from_name("RWKV-4-Raven-1B5-v12-Eng98%25-Other2%25-20230520-ctx4096.pth");
  REQUIRE(raven);
  CHECK(raven->params == rwkv_params(24, 2048, kVocabNeox));
  CHECK_FALSE(raven->vocab_assumed);

  auto w3 = size_from_name("RWKV-5-World-3B-v2-20231118-ctx16k.pth");
  REQUIRE(w3);
  CHECK(w3->params == rwkv_params(32, 2560, kVocabWorld));

  auto w01 = size_from_name("RWKV-5-World-0.1B-v1-20230803-ctx4096.pth");
  REQUIRE(w01);
  CHECK(w01->n_embd == 768);

  auto pile = size_from_name("RWKV-4-Pile-430M-20220808-8066.pth");
  REQUIRE(pile);
  CHECK(pile->n_layer == 24);
  CHECK(pile->n_embd == 1024);

  auto big = size_from_name("RWKV-4-Pile-14B-20230313-ctx8192-test1050.pth");
  REQUIRE(big);
  CHECK(big->n_layer == 40);
  CHECK(big->n_embd == 5120);
}

TEST_CASE("size_from_name: nominal sizes and names without a size", "[estimate]") {
  auto b14 = size_from_name("Echo-B-1B4-Init.pth");
  REQUIRE(b14);
  CHECK(b14->params == 1400000000LL);
  CHECK_FALSE(b14->n_layer);

  CHECK_FALSE(size_from_name("TokenShift-C-Stage2.pth"));
  CHECK_FALSE(size_from_name("rwkv-final.pth"));
  CHECK_FALSE(size_from_name("model-ctx4096-20230520.pth"));  // dates and ctx are not sizes
  CHECK_FALSE(size_from_name(""));
}
