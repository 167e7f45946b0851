#include <catch2/catch.hpp>
#include <sys/stat.h>
#include <unistd.h>

#include "rules/rule_fixture.h"

using namespace rwkvq;
using namespace rwkvq::test;

TEST_CASE("layout/notebook-missing: trips without a training notebook", "[rules][layout]") {
  auto f = run_rule("layout/notebook-missing", {{"training-config.yaml", clean_config()}});
  REQUIRE(f.size() == 1);
  CHECK(f[0].severity == Severity::Error);
  CHECK(f[0].loc.file.empty());
}

TEST_CASE("layout/notebook-missing: silent with a notebook or parts", "[rules][layout]") {
  CHECK(run_rule("layout/notebook-missing", clean_files()).empty());
  auto files = clean_files();
  files["training-notebook-part1.ipynb"] = files["training-notebook.ipynb"];
  files.erase("training-notebook.ipynb");
  CHECK(run_rule("layout/notebook-missing", files).empty());
}

namespace {

// Exactly one finding, from `rule`, on `file`; none saying the notebook is missing.
void one_finding(const std::vector<Finding>& f, const std::string& rule, const std::string& file) {
  INFO(describe(f));
  REQUIRE(f.size() == 1);
  CHECK(f[0].rule == rule);
  CHECK(f[0].severity == Severity::Error);
  CHECK(f[0].loc.file == file);
  CHECK(!mentions(f, "has no training-notebook"));
  CHECK(!mentions(f, "line 0"));
  CHECK(!mentions(f, "column 0"));
}

}  // namespace

TEST_CASE("layout: something other than a notebook file named training-notebook.ipynb", "[rules][layout]") {
  // Not "the folder has no training-notebook.ipynb" next to the unsafe-file finding: one finding
  // saying what is there instead.
  for (const std::string name : {"training-notebook.ipynb", "training-notebook-part1.ipynb"}) {
    SECTION("a folder: " + name) {
      RequestFixture fx({{"training-config.yaml", clean_config()}});
      std::filesystem::create_directories(fx.dir() / name);
      auto f = fx.run_all();
      one_finding(f, "layout/unsafe-file", name);
      CHECK(f[0].message == name + " is a folder, not a notebook file");
    }
    SECTION("a FIFO: " + name) {
      RequestFixture fx({{"training-config.yaml", clean_config()}});
      REQUIRE(mkfifo((fx.dir() / name).c_str(), 0600) == 0);
      auto f = fx.run_all();
      one_finding(f, "layout/unsafe-file", name);
      CHECK(f[0].message == name + " is a named pipe (FIFO), not a notebook file");
    }
    SECTION("a symlink to /etc/passwd: " + name) {
      RequestFixture fx({{"training-config.yaml", clean_config()}});
      std::filesystem::create_symlink("/etc/passwd", fx.dir() / name);
      auto f = fx.run_all();
      one_finding(f, "layout/unsafe-file", name);
      CHECK(f[0].message ==
            name + " is a symbolic link to /etc/passwd, outside the request folder, not a notebook file");
      CHECK(f[0].hint.find("replace the link") != std::string::npos);
    }
  }
  SECTION("a dangling relative symlink is not called outside the folder") {
    RequestFixture fx({{"training-config.yaml", clean_config()}});
    std::filesystem::create_symlink("nb/missing.ipynb", fx.dir() / "training-notebook.ipynb");
    auto f = fx.run_all();
    one_finding(f, "layout/unsafe-file", "training-notebook.ipynb");
    CHECK(f[0].message.find("points to nothing in the request folder") != std::string::npos);
  }
  SECTION("still missing when nothing has the name") {
    RequestFixture fx({{"training-config.yaml", clean_config()}});
    auto f = fx.run_all();
    CHECK(mentions(f, "has no training-notebook.ipynb"));
  }
}

TEST_CASE("layout: an unreadable training-notebook.ipynb gives one clear finding", "[rules][layout]") {
  RequestFixture fx(clean_files());
  ::chmod((fx.dir() / "training-notebook.ipynb").c_str(), 0);
  auto got = fx.run_all_unprivileged();
  if (!got) {
    WARN("could not drop privileges: the unreadable notebook is not really unreadable here");
    return;
  }
  // layout/unsafe-file, not notebook/invalid: nothing is wrong with the notebook's content (its
  // hint "save it again from Jupyter" would not help); the file system is.
  one_finding(*got, "layout/unsafe-file", "training-notebook.ipynb");
  CHECK((*got)[0].message == "training-notebook.ipynb cannot be read (Permission denied), so it was not checked");
  CHECK((*got)[0].hint.find("chmod a+r") != std::string::npos);
}

TEST_CASE("layout: an unreadable referenced config is reported once, where the notebook names it",
          "[rules][layout]") {
  RequestFixture fx(clean_files());
  ::chmod((fx.dir() / "training-config.yaml").c_str(), 0);
  auto got = fx.run_all_unprivileged();
  if (!got) {
    WARN("could not drop privileges");
    return;
  }
  INFO(describe(*got));
  REQUIRE(got->size() == 1);
  CHECK((*got)[0].rule == "layout/config-missing");
  CHECK((*got)[0].loc.cell == 5);
  CHECK((*got)[0].message.find("training-config.yaml, which is a file that cannot be read (Permission denied)") !=
        std::string::npos);
  CHECK(!mentions(*got, "not valid YAML"));
  CHECK(!mentions(*got, "line 0"));
}

TEST_CASE("layout/notebook-name: close names are errors with the right name", "[rules][layout]") {
  std::string nb = notebook_json(clean_cells());
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"Training-Notebook.ipynb", "training-notebook.ipynb"},
      {"training_notebook.ipynb", "training-notebook.ipynb"},
      {"traning-notebook.ipynb", "training-notebook.ipynb"},
      {"training-notebook-part-1.ipynb", "training-notebook-part1.ipynb"},
      {"Training_Notebook_Part2.ipynb", "training-notebook-part2.ipynb"},
  };
  for (const auto& [name, want] : cases) {
    INFO(name);
    auto f = run_rule("layout/notebook-name", {{name, nb}, {"training-config.yaml", clean_config()}});
    REQUIRE(f.size() == 1);
    CHECK(f[0].severity == Severity::Error);
    CHECK(f[0].loc.file == name);
    CHECK(f[0].hint.find(want) != std::string::npos);
    // The misnamed notebook is the problem; notebook-missing does not repeat it.
    CHECK(run_rule("layout/notebook-missing", {{name, nb}}).empty());
  }
}

TEST_CASE("layout/notebook-name: other notebooks are info; the right names are silent", "[rules][layout]") {
  auto files = clean_files();
  CHECK(run_rule("layout/notebook-name", files).empty());
  files["data-exploration.ipynb"] = notebook_json({{"markdown", "# notes"}});
  auto f = run_rule("layout/notebook-name", files);
  REQUIRE(f.size() == 1);
  CHECK(f[0].severity == Severity::Info);
  CHECK(f[0].loc.file == "data-exploration.ipynb");
}

TEST_CASE("layout/parts-sequence: gaps, padding, part0, plain plus parts", "[rules][layout]") {
  std::string nb = notebook_json(clean_cells());
  SECTION("a clean sequence") {
    CHECK(run_rule("layout/parts-sequence", {{"training-notebook-part1.ipynb", nb},
                                             {"training-notebook-part2.ipynb", nb},
                                             {"training-notebook-part3.ipynb", nb}})
              .empty());
    CHECK(run_rule("layout/parts-sequence", clean_files()).empty());
  }
  SECTION("a gap") {
    auto f = run_rule("layout/parts-sequence",
                      {{"training-notebook-part1.ipynb", nb}, {"training-notebook-part3.ipynb", nb}});
    REQUIRE(f.size() == 1);
    CHECK(f[0].message.find("part2") != std::string::npos);
  }
  SECTION("zero-padded and duplicate") {
    auto f = run_rule("layout/parts-sequence",
                      {{"training-notebook-part1.ipynb", nb}, {"training-notebook-part01.ipynb", nb}});
    INFO(describe(f));
    CHECK(f.size() == 2);  // part01 padded; part 1 twice
  }
  SECTION("part0") {
    auto f = run_rule("layout/parts-sequence",
                      {{"training-notebook-part0.ipynb", nb}, {"training-notebook-part1.ipynb", nb}});
    REQUIRE(f.size() == 1);
    CHECK(f[0].loc.file == "training-notebook-part0.ipynb");
  }
  SECTION("plain and parts") {
    auto f = run_rule("layout/parts-sequence",
                      {{"training-notebook.ipynb", nb}, {"training-notebook-part1.ipynb", nb}});
    REQUIRE(f.size() == 1);
    CHECK(f[0].loc.file == "training-notebook.ipynb");
  }
}

TEST_CASE("layout/folder-location: judged only inside a checkout", "[rules][layout]") {
  CHECK(run_rule("layout/folder-location", clean_files()).empty());
  FixtureOptions good;
  good.checkout = true;
  CHECK(run_rule("layout/folder-location", clean_files(), {}, good).empty());

  FixtureOptions nested = good;
  nested.rel_dir = "notebook/community/alice/run1";
  auto f = run_rule("layout/folder-location", clean_files(), {}, nested);
  REQUIRE(f.size() == 1);
  CHECK(f[0].severity == Severity::Warning);
  CHECK(f[0].message.find("notebook/community/alice/run1") != std::string::npos);

  FixtureOptions elsewhere = good;
  elsewhere.rel_dir = "notebook/experiment/alice";
  CHECK(run_rule("layout/folder-location", clean_files(), {}, elsewhere).size() == 1);

  FixtureOptions example = good;
  example.rel_dir = "notebook/community/example";
  auto e = run_rule("layout/folder-location", clean_files(), {}, example);
  REQUIRE(e.size() == 1);
  CHECK(e[0].message.find("example") != std::string::npos);
}

TEST_CASE("layout/config-missing: the -c config must be in the folder", "[rules][layout]") {
  CHECK(run_rule("layout/config-missing", clean_files()).empty());
  auto f = run_rule("layout/config-missing", {{"training-config.yml", clean_config()}}, clean_cells());
  INFO(describe(f));
  REQUIRE(f.size() == 1);  // one finding per missing config, though preload and fit both use it
  CHECK(f[0].severity == Severity::Error);
  CHECK(f[0].loc.file == "training-notebook.ipynb");
  CHECK(f[0].loc.cell == 5);
  CHECK(f[0].message.find("training-config.yaml") != std::string::npos);
  CHECK(f[0].hint.find("training-config.yml") != std::string::npos);
}

TEST_CASE("layout/config-missing: says what is there when the -c config is not a file", "[rules][layout]") {
  auto check_one = [](const RequestFixture& fx, const std::string& what) {
    auto f = fx.run_all();
    INFO(describe(f));
    REQUIRE(f.size() == 1);  // not also layout/unsafe-file or config/invalid for the same file
    CHECK(f[0].rule == "layout/config-missing");
    CHECK(f[0].loc.file == "training-notebook.ipynb");
    CHECK(f[0].loc.cell == 5);
    CHECK(f[0].message == "training-notebook.ipynb preloads the data of training-config.yaml, which is " + what +
                              ", not a config file");
    CHECK(!mentions(f, "not in the folder"));
    CHECK(f[0].hint.find("fix the path in cell 5, line 1 of training-notebook.ipynb") != std::string::npos);
  };
  auto files = clean_files();
  files.erase("training-config.yaml");
  SECTION("a folder") {
    RequestFixture fx(files);
    std::filesystem::create_directories(fx.dir() / "training-config.yaml");
    check_one(fx, "a folder");
  }
  SECTION("a FIFO") {
    RequestFixture fx(files);
    REQUIRE(mkfifo((fx.dir() / "training-config.yaml").c_str(), 0600) == 0);
    check_one(fx, "a named pipe (FIFO)");
  }
  SECTION("a symlink out of the folder") {
    RequestFixture fx(files);
    std::filesystem::create_symlink("/etc/passwd", fx.dir() / "training-config.yaml");
    check_one(fx, "a symbolic link to /etc/passwd, outside the request folder");
  }
  SECTION("an unreferenced config-named FIFO is still layout/unsafe-file") {
    RequestFixture fx(clean_files());
    REQUIRE(mkfifo((fx.dir() / "old.yaml").c_str(), 0600) == 0);
    auto f = fx.run_all();
    INFO(describe(f));
    REQUIRE(f.size() == 1);
    CHECK(f[0].rule == "layout/unsafe-file");
    CHECK(f[0].message == "old.yaml is a named pipe (FIFO), not a config file");
  }
}

TEST_CASE("layout/config-unused: a YAML nobody references", "[rules][layout]") {
  CHECK(run_rule("layout/config-unused", clean_files()).empty());
  auto files = clean_files();
  files["old-config.yaml"] = clean_config();
  auto f = run_rule("layout/config-unused", files);
  REQUIRE(f.size() == 1);
  CHECK(f[0].severity == Severity::Warning);
  CHECK(f[0].loc.file == "old-config.yaml");
}

TEST_CASE("layout/config-unused: references through variables and datapack configs count", "[rules][layout]") {
  auto cells = clean_cells();
  cells[1].source += "\nDATAPACK=f\"{NOTEBOOK_DIR}/datapack.yaml\"";
  cells[5].source += " \\\n        --data.datapack_config_path=\"{DATAPACK}\"";
  auto files = clean_files();
  files["datapack.yaml"] = "datapack:\n  secret: x\ndataset:\n  - source: a/b\n";
  files["via-config.yaml"] = "dataset:\n  - source: c/d\n";
  files["training-config.yaml"] = clean_config() + "  mixed: ./via-config.yaml\n";
  files["training-notebook.ipynb"] = notebook_json(cells);
  auto f = run_rule("layout/config-unused", files);
  INFO(describe(f));
  CHECK(f.empty());
}

TEST_CASE("layout/unsafe-file: symlinks out, FIFOs, unreadable files", "[rules][layout]") {
  RequestFixture fx(clean_files());
  CHECK(fx.run("layout/unsafe-file").empty());
  std::filesystem::create_symlink("/etc/passwd", fx.dir() / "passwd.txt");
  REQUIRE(mkfifo((fx.dir() / "pipe").c_str(), 0600) == 0);
  fx.write("secret.txt", "x");
  ::chmod((fx.dir() / "secret.txt").c_str(), 0);
  auto f = fx.run("layout/unsafe-file");
  INFO(describe(f));
  bool link = false, fifo = false, unreadable = false;
  for (const auto& x : f) {
    if (x.loc.file == "passwd.txt") link = x.message.find("/etc/passwd") != std::string::npos;
    if (x.loc.file == "pipe") fifo = true;
    if (x.loc.file == "secret.txt") unreadable = true;
  }
  CHECK(link);
  CHECK(fifo);
  if (geteuid() != 0) CHECK(unreadable);  // root reads everything
  // A link inside the folder is fine.
  RequestFixture ok(clean_files());
  std::filesystem::create_symlink("training-config.yaml", ok.dir() / "alias.yaml");
  CHECK(ok.run("layout/unsafe-file").empty());
}

TEST_CASE("layout/notebook-name: the target of an in-folder training-notebook.ipynb link is not 'extra'",
          "[rules][layout]") {
  auto files = clean_files();
  files["real.ipynb"] = files["training-notebook.ipynb"];
  files.erase("training-notebook.ipynb");
  RequestFixture fx(files);
  std::filesystem::create_symlink("./real.ipynb", fx.dir() / "training-notebook.ipynb");
  auto f = fx.run("layout/notebook-name");
  INFO(describe(f));
  CHECK(f.empty());
  CHECK(fx.run("layout/notebook-missing").empty());
  CHECK(fx.run("layout/unsafe-file").empty());
  // Without the link it is an extra notebook (info), as before.
  fx.write("notes.ipynb", files["real.ipynb"]);
  auto g = fx.run("layout/notebook-name");
  INFO(describe(g));
  REQUIRE(g.size() == 1);
  CHECK(g[0].loc.file == "notes.ipynb");
  CHECK(g[0].severity == Severity::Info);
}
