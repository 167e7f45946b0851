#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "rwkvq/core/error.h"
#include "rwkvq/scaffold/scaffold.h"
#include "test_util.h"

using namespace rwkvq;

namespace {
ScaffoldOptions base() {
  ScaffoldOptions o;
  o.handle = "mira.k";
  o.title = "Poetry";
  o.folder_name = "Poetry Run";
  o.trainer_dirs = {"RWKV-v5"};
  return o;
}
const ScaffoldFile* file(const Scaffold& s, const std::string& name) {
  for (const auto& f : s.files)
    if (f.name == name) return &f;
  return nullptr;
}
}  // namespace

TEST_CASE("init: one notebook and its config, names from the handle and folder", "[scaffold]") {
  Scaffold s = make_scaffold(base());
  REQUIRE(s.files.size() == 2);
  const ScaffoldFile* nb = file(s, "training-notebook.ipynb");
  const ScaffoldFile* cfg = file(s, "training-config.yaml");
  REQUIRE(nb);
  REQUIRE(cfg);
  auto j = nlohmann::json::parse(nb->content);
  CHECK(j["nbformat"] == 4);
  std::string first;
  for (const auto& l : j["cells"][0]["source"]) first += l.get<std::string>();
  CHECK(first.rfind("# Poetry\n", 0) == 0);
  CHECK(first.find("Your Discord handle: @mira.k") != std::string::npos);
  CHECK(nb->content.find("PROJECT_PREFIX=\\\"mira-k-poetry-run\\\"") != std::string::npos);
  CHECK(cfg->content.find("dirpath: ../checkpoint/mira-k-poetry-run/") != std::string::npos);
  CHECK(cfg->content.find("  source: Trelis/tiny-shakespeare\n") != std::string::npos);
  CHECK(cfg->content.find("{{") == std::string::npos);
  CHECK(nb->content.find("{{") == std::string::npos);
}

TEST_CASE("init: parts, official trainer, dataset forms", "[scaffold]") {
  auto o = base();
  o.parts = 3;
  Scaffold s = make_scaffold(o);
  CHECK(s.files.size() == 6);
  REQUIRE(file(s, "training-notebook-part3.ipynb"));
  CHECK(file(s, "training-notebook-part3.ipynb")->content.find("mira-k-poetry-run-part2.pth") != std::string::npos);
  o.trainer = "official";
  s = make_scaffold(o);
  CHECK(s.files.size() == 3);  // no config: train.py takes flags
  o.dataset = "user/set";
  CHECK_THROWS_AS(make_scaffold(o), UsageError);  // the official trainer reads binidx
  o.dataset = "https://x.org/a/b_text_document.idx";
  s = make_scaffold(o);
  CHECK(s.files[0].content.find("b_text_document.bin") != std::string::npos);
  o.model = "https://x.org/mystery.pth";  // no shape in the name: train.py needs one
  CHECK_THROWS_AS(make_scaffold(o), UsageError);
  o.model = "https://x.org/L12-D768-init.pth";
  CHECK_NOTHROW(make_scaffold(o));
}

TEST_CASE("init: the checkout's trainer folder; bad options refused", "[scaffold]") {
  auto o = base();
  o.trainer_dirs = {"RWKV-v6"};
  CHECK_THROWS_AS(make_scaffold(o), UsageError);  // 0.4B is an RWKV-5 model
  o.model = "https://x.org/RWKV-x060-World-1B6.pth";
  CHECK(make_scaffold(o).files[0].content.find("MODEL_VERSION=\\\"v6\\\"") != std::string::npos);
  for (auto bad : {"@", "@a b", "your-discord-handle"}) {
    auto b = base();
    b.handle = bad;
    CHECK_THROWS_AS(make_scaffold(b), UsageError);
  }
  auto b = base();
  b.title = "a\nb";
  CHECK_THROWS_AS(make_scaffold(b), UsageError);
  b = base();
  b.parts = 0;
  CHECK_THROWS_AS(make_scaffold(b), UsageError);
}

TEST_CASE("init never writes into a non-empty folder", "[scaffold]") {
  rwkvq::test::TempDir tmp;
  Scaffold s = make_scaffold(base());
  write_scaffold(tmp.path / "new" / "req", s);
  CHECK(std::filesystem::exists(tmp.path / "new/req/training-config.yaml"));
  CHECK_THROWS_AS(write_scaffold(tmp.path / "new" / "req", s), UsageError);
  tmp.write("afile", "x");
  CHECK_THROWS_AS(write_scaffold(tmp.path / "afile", s), UsageError);
}
