// The plain-YAML fast reader against yaml-cpp: wherever it accepts a text, it must give what the
// yaml-cpp reading gives (every entry's key, kind, value and location, the sections, the error),
// on hand-written configs, on every YAML of examples/, data/ and the corpus, and on thousands of
// mutations of them (characters, indentation, quotes, colons, dashes changed).
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "request/config_simple.h"

using namespace rwkvq;
namespace fs = std::filesystem;

namespace {

std::string describe(const ConfigFile& c) {
  std::ostringstream o;
  o << "training=" << c.is_training_config << " error=" << (c.error ? c.error->message : "-") << "\n";
  for (const auto& e : c.entries)
    o << e.key << " kind=" << static_cast<int>(e.kind) << " value=[" << e.value << "] @" << e.loc.line << ":"
      << e.loc.column << " " << e.loc.file << "\n";
  for (const auto& e : c.bad_sections)
    o << "bad " << e.key << " kind=" << static_cast<int>(e.kind) << " value=[" << e.value << "] @" << e.loc.line
      << ":" << e.loc.column << "\n";
  return o.str();
}

// One to three random edits of `t`: a few bytes erased, or one of `pieces` inserted or put in
// place of a byte.
template <std::size_t N>
void mutate(std::string& t, std::mt19937& rng, const std::string (&pieces)[N]) {
  for (int m = 1 + static_cast<int>(rng() % 3); m > 0 && !t.empty(); --m) {
    const std::size_t at = rng() % t.size();
    switch (rng() % 3) {
      case 0: t.erase(at, 1 + rng() % 3); break;
      case 1: t.insert(at, pieces[rng() % N]); break;
      default: t.replace(at, 1, pieces[rng() % N]); break;
    }
  }
}

// Accepted texts must match yaml-cpp; returns whether the fast reader accepted.
bool same_as_yaml_cpp(const std::string& text) {
  auto fast = parse_config_simple("c.yaml", text);
  if (!fast) return false;
  INFO("text:\n" << text);
  const std::string a = describe(*fast), b = describe(parse_config_yaml_cpp("c.yaml", text));
  if (a != b) {
    std::istringstream x(a), y(b);
    std::string la, lb;
    while (std::getline(x, la) && std::getline(y, lb))
      if (la != lb) {
        WARN("first difference: fast reader: " << la << "\n    yaml-cpp: " << lb);
        break;
      }
  }
  CHECK(a == b);
  return true;
}

std::string read_file(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

std::vector<std::string> yaml_files() {
  std::vector<std::string> texts;
  for (const char* dir : {RWKVQ_SOURCE_DIR "/examples", RWKVQ_SOURCE_DIR "/data", RWKVQ_CORPUS_DIR}) {
    if (!fs::is_directory(dir)) continue;
    for (const auto& e : fs::recursive_directory_iterator(dir)) {
      const std::string ext = e.path().extension().string();
      if (e.is_regular_file() && (ext == ".yaml" || ext == ".yml")) texts.push_back(read_file(e.path()));
    }
  }
  return texts;
}

}  // namespace

TEST_CASE("the plain-YAML reader gives yaml-cpp's entries for what it accepts", "[config]") {
  const char* accepted[] = {
      "a: 1\n",
      "# c\ntrainer:\n  max_epochs: 2   # two\n  devices: [0, 1]\n  strategy: 'deep''speed'\nmodel:\n",
      "trainer:\n  callbacks:\n    - class_path: x.ModelCheckpoint\n      init_args:\n        dirpath: ../c\n"
      "    - class_path: y\n",
      "data:\n  multi_column_keys: [\"a\", 'b', c ]\n  prefix: [\"Q:\\n\", \"\"]\n  empty: []\n  n: ~\n",
      "trainer:\n- a\n- b\nmodel: 3\n",
      "model: [1, 2]\ndata: text\n",
      "x:\n  - # one\n    k: v\n    j: w\n  - z\n",
      "  indented: root\n  second: 2\n",
      "url: http://example.org/a#b\nneg: -1\nv: a - b\n",
      "k: null\nl: Null\nm: NULL\nn: 'null'\n",
      // One-line flow mappings of scalars (the conversation maps of the corpus configs).
      "data:\n  mask: {'input': false, 'output': true}\n  prefix: {'input': \"\\n\\nUser: \", \"output\": 'A'}\n",
      "a: {b: 1, c d: x y , e: ~}  # c\nf: {}\ng: { }\n",
      "x:\n  - {k: v, j: 'w'}\n  - z\n",
      "s: [1]\nm: {a: null, 'b': '', \"c\": \"\"}\n",
  };
  for (const char* t : accepted) CHECK(same_as_yaml_cpp(t));
  // Outside the subset: declined (yaml-cpp reads them).
  const char* declined[] = {
      "",  "# only a comment\n", "- a\n", "a: &x 1\nb: *x\n", "a: |\n  text\n", "a: b\n  c\n", "a: {b: {c: 1}}\n",
      "a: {b: [1]}\n", "a: {b: 1,}\n", "a: {b: 1\n", "a: {b:1}\n", "a: {b: 1, b: 2}\n", "a: {b: }\n",
      "a: {null: 1}\n", "a: {b: 1} x\n", "a: {? b}\n",
      "a: [[1]]\n", "a: 1\na: 2\n", "a:\tb\n", "a: b\r\n", "a: \"\\u0041\"\n", "---\na: 1\n", "a: b: c\n",
      "a:\n  - - x\n", "'q': 1\n", "a: [1,]\n", "a: caf\xC3\xA9\n", "a: 'open\n", "a:\n -\n"};
  for (const char* t : declined) {
    INFO("text: " << t);
    CHECK(!parse_config_simple("c.yaml", t));
  }
}

TEST_CASE("the plain-YAML reader agrees with yaml-cpp on the corpus and on mutations of it", "[config][corpus]") {
  const auto texts = yaml_files();
  REQUIRE(!texts.empty());
  std::size_t accepted = 0;
  for (const auto& t : texts) accepted += same_as_yaml_cpp(t);
  // The point of the fast reader: most real configs are in its subset.
  INFO(accepted << " of " << texts.size() << " files read without yaml-cpp");
  CHECK(accepted * 10 >= texts.size() * 9);

  std::mt19937 rng(12);
  const std::string pieces[] = {" ", "  ", ":", ": ", "-", "- ", "#", " #", "'", "\"", "[", "]", ",", "\n",
                                "\n  ", "\n- ", "x", "null", "~", "\\n", "\\", "{", "&", "|",
                                "}", "{a: 1}", ", k: v", "{'a': \"b\"}", "?"};
  std::size_t mutated_accepted = 0;
  for (int round = 0; round < 4000; ++round) {
    std::string t = texts[rng() % texts.size()];
    if (t.size() > 4000) t.resize(4000);
    mutate(t, rng, pieces);
    mutated_accepted += same_as_yaml_cpp(t);
  }
  INFO(mutated_accepted << " of 4000 mutations accepted");
  CHECK(mutated_accepted > 1000);  // the comparison above really ran on many of them
}

TEST_CASE("the plain-YAML reader agrees with yaml-cpp on mutations of flow mappings", "[config][corpus]") {
  // The corpus's flow mappings sit deep in long files (past the 4000 characters mutated above):
  // those the reader accepts ({{placeholders}} of examples/ are not flow maps of scalars),
  // gathered under one key, are mutated here.
  std::string flows = "data:\n";
  for (const auto& t : yaml_files()) {
    std::istringstream in(t);
    for (std::string line; std::getline(in, line);) {
      const auto b = line.find_first_not_of(' ');
      const auto v = line.find(": {");
      if (b != std::string::npos && line[b] != '#' && v != std::string::npos &&
          flows.find(line.substr(v)) == std::string::npos && parse_config_simple("c", "k" + line.substr(v)))
        flows += "  k" + std::to_string(flows.size()) + line.substr(v) + "\n";
    }
  }
  flows += "  m: {a: 1, b c: 'x''y', \"d\": \"\\n\\t\", e: null, f: ~}\n  n: {}\n  s:\n    - {k: v}\n    - x\n";
  REQUIRE(same_as_yaml_cpp(flows));
  std::mt19937 rng(34);
  const std::string pieces[] = {" ", ":", ": ", "-", "- ", "#", " #", "'", "\"", "{", "}", "[", "]", ",", ", ",
                                "\n", "\n  ", "x", "null", "~", "\\n", "\\", "?", "&", "*", "!", "{}", "''"};
  std::size_t accepted = 0;
  for (int round = 0; round < 3000; ++round) {
    std::string t = flows;
    mutate(t, rng, pieces);
    accepted += same_as_yaml_cpp(t);
  }
  INFO(accepted << " of 3000 mutations accepted");
  CHECK(accepted > 500);
}
