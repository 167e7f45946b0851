// The hand-written matchers against the regular expressions they replace: each test keeps the
// original std::regex as the specification and compares on hand-picked cases (case, whitespace,
// anchors, backtracking) and on thousands of generated strings built from the pattern's own
// pieces, so that a difference in any corner shows.
#include <catch2/catch.hpp>

#include <random>
#include <regex>
#include <string>
#include <vector>

#include "rwkvq/util/match.h"

using namespace rwkvq;

namespace {

using Opt = std::optional<std::string>;

// Strings of 0..max_pieces pieces drawn from `pieces` (fixed seed: the same every run).
std::vector<std::string> generated(const std::vector<std::string>& pieces, int count, int max_pieces,
                                   unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> len(0, max_pieces);
  std::uniform_int_distribution<std::size_t> pick(0, pieces.size() - 1);
  std::vector<std::string> out;
  for (int i = 0; i < count; ++i) {
    std::string s;
    for (int n = len(rng); n > 0; --n) s += pieces[pick(rng)];
    out.push_back(s);
  }
  return out;
}

Opt search_group(const std::string& s, const std::regex& re, int group) {
  std::smatch m;
  if (!std::regex_search(s, m, re)) return std::nullopt;
  return m[group].str();
}
Opt match_group(const std::string& s, const std::regex& re, int group) {
  std::smatch m;
  if (!std::regex_match(s, m, re)) return std::nullopt;
  return m[group].str();
}

}  // namespace

TEST_CASE("python_keyword_string is NAME\\s*=\\s*(['\"])([^'\"]*)\\1", "[util][match]") {
  const std::regex re(R"(repo_id\s*=\s*(['"])([^'"]*)\1)");
  auto check = [&](const std::string& s) {
    INFO("input: " << s);
    CHECK(python_keyword_string(s, "repo_id") == search_group(s, re, 2));
  };
  CHECK(python_keyword_string("hf_hub_download(repo_id='BlinkDL/rwkv-5', filename=\"x.pth\")", "repo_id") ==
        Opt("BlinkDL/rwkv-5"));
  CHECK(python_keyword_string("f(filename = \"x.pth\")", "filename") == Opt("x.pth"));
  CHECK(python_keyword_string("f(repo_id=\"a')", "repo_id") == std::nullopt);       // quotes differ
  CHECK(python_keyword_string("f(repo_id=x, repo_id='b')", "repo_id") == Opt("b"));  // the first that matches
  CHECK(python_keyword_string("f(Repo_id='b')", "repo_id") == std::nullopt);         // case counts
  CHECK(python_keyword_string("f(myrepo_id\t=\n''", "repo_id") == Opt(""));          // no word boundary, as before
  for (const char* s : {"", "repo_id", "repo_id=", "repo_id='", "repo_id=''", "repo_id = 'a\"b'", "repo_id == 'a'"})
    check(s);
  for (const auto& s : generated({"repo_id", "repo", "_id", "=", " ", "\t", "'", "\"", "a", "/", ",", "\n"}, 4000, 9, 1))
    check(s);
}

TEST_CASE("download_positional_strings is _download\\(\\s*(['\"])([^'\"]*)\\1(\\s*,\\s*(['\"])([^'\"]*)\\4)?",
          "[util][match]") {
  const std::regex re(R"(_download\(\s*(['"])([^'"]*)\1(\s*,\s*(['"])([^'"]*)\4)?)");
  auto check = [&](const std::string& s) {
    INFO("input: " << s);
    std::smatch m;
    auto got = download_positional_strings(s);
    if (!std::regex_search(s, m, re)) {
      CHECK(!got);
      return;
    }
    REQUIRE(got);
    CHECK(got->first == m[2].str());
    CHECK(got->second.has_value() == m[5].matched);
    if (got->second) CHECK(*got->second == m[5].str());
  };
  auto a = download_positional_strings("hf_hub_download( 'BlinkDL/rwkv-5-world' , \"x.pth\")");
  REQUIRE(a);
  CHECK(a->first == "BlinkDL/rwkv-5-world");
  CHECK(a->second == Opt("x.pth"));
  a = download_positional_strings("snapshot_download('r', local_dir='d')");
  REQUIRE(a);
  CHECK(a->first == "r");
  CHECK(!a->second);
  CHECK(!download_positional_strings("hf_hub_download(repo_id='r')"));
  CHECK(!download_positional_strings("hf_hub_Download('r')"));
  for (const char* s : {"", "_download(", "_download('", "_download('a'", "_download('a',", "_download('a', 'b",
                        "_download(\"a', 'b')", "_download(x) _download('y', \"z\")"})
    check(s);
  for (const auto& s : generated({"_download(", "_download", "(", " ", "'", "\"", "a", ",", ")", "\n"}, 4000, 10, 2))
    check(s);
}

TEST_CASE("match_deepspeed_stage is ^deepspeed_stage_([123])(_offload)?$", "[util][match]") {
  const std::regex re(R"(^deepspeed_stage_([123])(_offload)?$)");
  auto check = [&](const std::string& s) {
    INFO("input: " << s);
    std::smatch m;
    auto got = match_deepspeed_stage(s);
    REQUIRE(got.has_value() == std::regex_match(s, m, re));
    if (got) {
      CHECK(got->stage == std::stoi(m[1].str()));
      CHECK(got->offload == m[2].matched);
    }
  };
  CHECK(match_deepspeed_stage("deepspeed_stage_2_offload")->offload);
  CHECK(match_deepspeed_stage("deepspeed_stage_3")->stage == 3);
  CHECK(!match_deepspeed_stage("deepspeed_stage_4"));
  CHECK(!match_deepspeed_stage("Deepspeed_stage_1"));  // callers lower-case first
  for (const char* s : {"", "deepspeed_stage_", "deepspeed_stage_1 ", " deepspeed_stage_1", "deepspeed_stage_1_offloa",
                        "deepspeed_stage_1_offload_offload", "deepspeed_stage_12", "deepspeed_stage_1\n"})
    check(s);
  for (const auto& s : generated({"deepspeed_stage_", "deepspeed", "_stage_", "1", "2", "3", "0", "_offload", "_", "x"},
                                 3000, 4, 3))
    check(s);
}

TEST_CASE("find_layer_dim_shape is (?:^|[^a-z0-9])l(\\d{1,3})[-_]?d(\\d{2,5})(?:[^0-9]|$)", "[util][match]") {
  const std::regex re(R"((?:^|[^a-z0-9])l(\d{1,3})[-_]?d(\d{2,5})(?:[^0-9]|$))");
  auto check = [&](const std::string& s) {
    INFO("input: " << s);
    std::smatch m;
    auto got = find_layer_dim_shape(s);
    REQUIRE(got.has_value() == std::regex_search(s, m, re));
    if (got) {
      CHECK(got->first == m[1].str());
      CHECK(got->second == m[2].str());
    }
  };
  CHECK(find_layer_dim_shape("rwkv-5-l24-d2048.pth") == std::make_pair(std::string("24"), std::string("2048")));
  CHECK(find_layer_dim_shape("l6_d512") == std::make_pair(std::string("6"), std::string("512")));
  CHECK(find_layer_dim_shape("v5-l12d768-ctx4k") == std::make_pair(std::string("12"), std::string("768")));
  CHECK(!find_layer_dim_shape("model-L24-D2048"));    // lower-case input only, as before
  CHECK(!find_layer_dim_shape("xl24-d2048"));         // the 'l' must start a word
  CHECK(!find_layer_dim_shape("l1234-d2048"));        // at most three digits of layers
  CHECK(!find_layer_dim_shape("l24-d123456"));        // at most five of the dimension
  CHECK(!find_layer_dim_shape("l24--d2048"));
  for (const char* s : {"", "l", "l1d10", "l1d1", "-l1-d10-", "l1d10l2d20", "xl1d10-l2d20", "l999d99999", "l9999d99",
                        "\xC3l1d10", "Al1d10"})
    check(s);
  for (const auto& s : generated({"l", "d", "1", "2", "0", "99", "-", "_", "x", ".", "L", " ", "l24", "d2048"}, 6000, 9, 4))
    check(s);
}

TEST_CASE("the size tokens are ^(\\d{1,3})b(\\d)$, ^(\\d{1,3}(?:\\.\\d{1,2})?)b$ and ^(\\d{2,4})m$", "[util][match]") {
  const std::regex frac(R"(^(\d{1,3})b(\d)$)"), dec(R"(^(\d{1,3}(?:\.\d{1,2})?)b$)"), mil(R"(^(\d{2,4})m$)");
  auto check = [&](const std::string& s) {
    INFO("input: " << s);
    std::smatch m;
    auto f = match_b_fraction(s);
    REQUIRE(f.has_value() == std::regex_match(s, m, frac));
    if (f) CHECK(*f == m[1].str() + "." + m[2].str());
    CHECK(match_b_decimal(s) == match_group(s, dec, 1));
    CHECK(match_millions(s) == match_group(s, mil, 1));
  };
  CHECK(match_b_fraction("1b5") == Opt("1.5"));
  CHECK(match_b_decimal("1.5b") == Opt("1.5"));
  CHECK(match_b_decimal("14b") == Opt("14"));
  CHECK(match_millions("169m") == Opt("169"));
  CHECK(!match_millions("1m"));
  CHECK(!match_b_decimal("1.5B"));
  for (const char* s : {"", "b", "1b", "1234b", "1.b", "1.123b", ".5b", "1b55", "12345m", "1.5bb", " 1b"}) check(s);
  for (const auto& s : generated({"1", "2", "0", "9", ".", "b", "m", "B", "x"}, 6000, 7, 5)) check(s);
}

TEST_CASE("match_notebook_part is ^training-notebook-part([0-9]+)\\.ipynb$", "[util][match]") {
  const std::regex re(R"(^training-notebook-part([0-9]+)\.ipynb$)");
  auto check = [&](const std::string& s) {
    INFO("input: " << s);
    CHECK(match_notebook_part(s) == match_group(s, re, 1));
  };
  CHECK(match_notebook_part("training-notebook-part12.ipynb") == Opt("12"));
  CHECK(match_notebook_part("training-notebook-part007.ipynb") == Opt("007"));
  CHECK(!match_notebook_part("training-notebook-part.ipynb"));
  CHECK(!match_notebook_part("Training-notebook-part1.ipynb"));
  CHECK(!match_notebook_part("training-notebook-part1.ipynb.bak"));
  for (const auto& s : generated({"training-notebook-part", "training-notebook", "-part", "1", "0", ".ipynb", "ipynb",
                                  ".", "x", " "},
                                 3000, 5, 6))
    check(s);
}

TEST_CASE("match_part_suffix is ^(.*?)(?:-?(?:part|pt|p)-?|-)0*([0-9]{1,4})$", "[util][match]") {
  const std::regex re(R"(^(.*?)(?:-?(?:part|pt|p)-?|-)0*([0-9]{1,4})$)");
  auto check = [&](const std::string& s) {
    INFO("input: " << s);
    std::smatch m;
    auto got = match_part_suffix(s);
    REQUIRE(got.has_value() == std::regex_match(s, m, re));
    if (got) {
      CHECK(got->stem == m[1].str());
      CHECK(got->number == m[2].str());
    }
  };
  auto p = match_part_suffix("training-notebook-part-01");
  REQUIRE(p);
  CHECK(p->stem == "training-notebook");
  CHECK(p->number == "1");
  p = match_part_suffix("training-notebook-0000");
  REQUIRE(p);
  CHECK(p->number == "0");
  p = match_part_suffix("trainingnotebookp3");
  REQUIRE(p);
  CHECK(p->stem == "trainingnotebook");
  CHECK(!match_part_suffix("training-notebook-12345"));
  CHECK(!match_part_suffix("training-notebook"));
  CHECK(!match_part_suffix("a\nb-1"));  // '.' does not cross a line break
  for (const char* s : {"", "1", "-1", "p1", "part1", "-part-1", "x-part-part-1", "x--1", "x-p-p1", "x-pt-00012",
                        "x-pt-000123", "x\r-1", "x-\n1", "x0-01"})
    check(s);
  for (const auto& s : generated({"part", "pt", "p", "-", "0", "1", "9", "a", "t", "x", "\n", "training"}, 8000, 8, 7))
    check(s);
}

TEST_CASE("find_discord_named_handle is the Discord handle regex, case-insensitive", "[util][match]") {
  const std::regex re(
      R"(discord(?:\s*(?:handle|user\s*name|username|user|name|id|tag|account|nick(?:name)?)s?)*[\s*_`]*(?::|-|–|=|\bis\b)[\s*_`"']*([A-Za-z0-9_.#][A-Za-z0-9_.#-]{1,36}))",
      std::regex::icase);
  auto check = [&](const std::string& s) {
    INFO("input: " << s);
    CHECK(find_discord_named_handle(s) == search_group(s, re, 1));
  };
  CHECK(find_discord_named_handle("Discord handle: picocreator") == Opt("picocreator"));
  CHECK(find_discord_named_handle("**DISCORD USER NAME** - `some.one#1234`") == Opt("some.one#1234"));
  CHECK(find_discord_named_handle("discord username is x_y") == Opt("x_y"));
  CHECK(find_discord_named_handle("discord nicknames = __ab") == Opt("ab"));  // the quote-and-space run takes the "__"
  CHECK(find_discord_named_handle("discord: __") == Opt("__"));              // ... and gives it back for a name
  CHECK(find_discord_named_handle("Discord \xE2\x80\x93 name") == Opt("name"));  // en dash
  CHECK(!find_discord_named_handle("discordis x"));                              // \bis\b
  CHECK(!find_discord_named_handle("Discord handle: a"));                        // at least two characters
  CHECK(find_discord_named_handle("discord: " + std::string(50, 'a')) == Opt(std::string(37, 'a')));
  for (const char* s : {"", "discord", "discord:", "discord: _", "discord: __", "discord is", "discord is ab",
                        "discord_is ab", "discord*is ab", "discord userSname: ab", "discord user   name: ab",
                        "discordnicknick: ab", "discord: 'ab", "discord:-ab", "discord - - ab", "x discord y discord: ab",
                        "discord handle handles: ab"})
    check(s);
  // Keywords repeated: std::regex backtracks through every way to read them; the matcher must
  // answer the same (and quickly).
  check("discord " + [] { std::string s; for (int i = 0; i < 8; ++i) s += "username"; return s; }() + " x");
  for (const auto& s : generated({"discord", "Discord", " ", "handle", "user", "name", "username", "s", "S", "nick",
                                  "id", "tag", "account", ":", "-", "\xE2\x80\x93", "=", "is", "IS", "_", "`", "*",
                                  "\"", "'", "a", "#", ".", "@", "\t", "b9"},
                                 20000, 10, 8))
    check(s);
}

TEST_CASE("match_size_text is ^\\s*([0-9]+(?:\\.[0-9]+)?)\\s*([kKmMgG]?)(?:i?[bB])?\\s*$", "[util][match]") {
  const std::regex re(R"(^\s*([0-9]+(?:\.[0-9]+)?)\s*([kKmMgG]?)(?:i?[bB])?\s*$)");
  auto check = [&](const std::string& s) {
    INFO("input: " << s);
    std::smatch m;
    auto got = match_size_text(s);
    REQUIRE(got.has_value() == std::regex_match(s, m, re));
    if (got) {
      CHECK(got->number == m[1].str());
      CHECK(got->unit == m[2].str());
    }
  };
  CHECK(match_size_text("5 MiB")->unit == "M");
  CHECK(match_size_text(" 1.5g ")->number == "1.5");
  CHECK(match_size_text("5242880")->unit.empty());
  CHECK(!match_size_text("5 M iB"));
  CHECK(!match_size_text("1.5.2"));
  for (const char* s : {"", " ", "5", "5b", "5ib", "5i", "5 kb", "5KB ", "\t5\n", "5.", ".5", "5 T", "5MBB"}) check(s);
  for (const auto& s : generated({"1", "0", ".", " ", "\t", "k", "M", "g", "i", "b", "B", "x"}, 6000, 7, 9)) check(s);
}

TEST_CASE("is_rule_id is ^[a-z0-9][a-z0-9-]*/[a-z0-9][a-z0-9-]*$", "[util][match]") {
  const std::regex re(R"(^[a-z0-9][a-z0-9-]*/[a-z0-9][a-z0-9-]*$)");
  CHECK(is_rule_id("limits/hours"));
  CHECK(is_rule_id("git/committed-data"));
  CHECK(!is_rule_id("Limits/hours"));
  CHECK(!is_rule_id("-x/y"));
  CHECK(!is_rule_id("x/y/z"));
  for (const auto& s : generated({"a", "z", "0", "-", "/", "A", "_", " "}, 6000, 8, 10)) {
    INFO("input: " << s);
    CHECK(is_rule_id(s) == std::regex_match(s, re));
  }
}
