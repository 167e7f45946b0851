#include <catch2/catch.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include "test_util.h"
#include "rwkvq/core/error.h"
#include "rwkvq/request/request.h"

using namespace rwkvq;
namespace fs = std::filesystem;

namespace {

struct TempDir : test::TempDir {
  TempDir() : test::TempDir("rwkvq-request-test") {}
};

void write(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << text;
}

std::string notebook(const std::vector<std::vector<std::string>>& code_cells) {
  nlohmann::json nb;
  nb["nbformat"] = 4;
  nb["nbformat_minor"] = 5;
  nb["metadata"] = nlohmann::json::object();
  nb["cells"] = nlohmann::json::array();
  nb["cells"].push_back({{"cell_type", "markdown"}, {"metadata", nlohmann::json::object()},
                         {"source", {"# Title\n", "Your Discord handle: @me\n"}}});
  for (auto& cell : code_cells) {
    nlohmann::json src = nlohmann::json::array();
    for (std::size_t i = 0; i < cell.size(); ++i) src.push_back(cell[i] + (i + 1 < cell.size() ? "\n" : ""));
    nb["cells"].push_back({{"cell_type", "code"}, {"metadata", nlohmann::json::object()},
                           {"execution_count", nullptr}, {"outputs", nlohmann::json::array()},
                           {"source", src}});
  }
  return nb.dump(1);
}

const char* kConfig =
    "trainer:\n  max_steps: 100\n  strategy: deepspeed_stage_1\nmodel:\n  load_model: ../model/from-yaml.pth\n"
    "  ctx_len: 2048\ndata:\n  data_path: ../datapath/x/\n  source: user/dataset\n";

std::vector<std::vector<std::string>> example_cells(const std::string& extra_override) {
  return {
      {"import os", "MODEL_VERSION=\"v5\"", "NOTEBOOK_DIR=os.path.dirname(os.path.abspath(\"__file__\"))",
       "PROJECT_DIR=os.path.abspath(os.path.join(NOTEBOOK_DIR, \"../../../\"))",
       "TRAINER_DIR=os.path.abspath(os.path.join(PROJECT_DIR, f\"./RWKV-{MODEL_VERSION}/\"))",
       "INIT_MODEL_NAME=\"L6-D512.pth\""},
      {"!cd \"{TRAINER_DIR}\" && \\", "    python3 ./init_model.py --n_layer 6 --n_embd 512 \\",
       "    --vocab_size neox \"../model/{INIT_MODEL_NAME}\""},
      {"# !wget https://example.com/not-run.pth"},
      {"!cd \"{TRAINER_DIR}\" && \\", "    python lightning_trainer.py fit \\",
       "        -c \"{NOTEBOOK_DIR}/training-config.yaml\" \\",
       "        --model.load_model=\"../model/{INIT_MODEL_NAME}\"" + extra_override},
      {"!cd \"{TRAINER_DIR}\" && \\",
       "    python export_checkpoint.py \"../checkpoint/run/last.ckpt\" \"../model/out.pth\""},
  };
}

}  // namespace

TEST_CASE("load_request: a request folder written by the test", "[request]") {
  TempDir t;
  fs::path dir = t.path / "my-run";
  write(dir / "training-notebook.ipynb", notebook(example_cells(" --model.ctx_len=4096")));
  write(dir / "training-config.yaml", kConfig);
  write(dir / "other.yml", "datapack: {}\n");
  write(dir / "notes.ipynb", notebook({{"X = 1"}}));
  Request r = load_request(dir.string());
  CHECK_FALSE(r.repo.checkout.has_value());
  CHECK(r.repo.rel_dir == "notebook/community/my-run");
  REQUIRE(r.configs.size() == 2);
  CHECK(r.configs[0].rel == "other.yml");
  CHECK(r.configs[1].rel == "training-config.yaml");
  CHECK(r.config("training-config.yaml") == &r.configs[1]);
  CHECK(r.config("missing.yaml") == nullptr);
  REQUIRE(r.notebooks.size() == 2);
  const NotebookProgram& nb = r.notebooks[0];
  CHECK(nb.notebook.rel == "training-notebook.ipynb");
  CHECK(nb.request_notebook);
  CHECK(nb.part == 0);
  CHECK(r.notebooks[1].notebook.rel == "notes.ipynb");
  CHECK_FALSE(r.notebooks[1].request_notebook);
  CHECK(nb.env.get("TRAINER_DIR").str == "/repo/RWKV-v5");

  std::vector<CommandKind> kinds;
  for (auto& c : nb.commands) kinds.push_back(c.kind);
  CHECK(kinds == std::vector<CommandKind>{CommandKind::Cd, CommandKind::InitModel, CommandKind::Cd,
                                          CommandKind::Train, CommandKind::Cd, CommandKind::Export});
  const Command& init = nb.commands[1];
  CHECK(init.output == "/repo/model/L6-D512.pth");
  CHECK(init.loc.file == "training-notebook.ipynb");
  CHECK(init.loc.cell == 3);  // markdown is cell 1
  CHECK(init.loc.cell_line == 1);
  CHECK(init.loc.line > 0);
  CHECK(nb.commands[5].output == "/repo/model/out.pth");

  REQUIRE(nb.stages.size() == 1);
  const Stage& s = nb.stages[0];
  CHECK(s.command_index == 3);
  CHECK(s.config_path == "/repo/notebook/community/my-run/training-config.yaml");
  CHECK(s.config_index == 1);
  REQUIRE(s.config.load_model.value.has_value());
  CHECK(*s.config.load_model.value == "../model/L6-D512.pth");
  CHECK(s.config.load_model.overridden);
  CHECK(s.config.ctx_len.value == 4096);
  CHECK(s.config.max_steps.value == 100);
}

TEST_CASE("load_request: parts, %cd, %%bash cwd and a missing config", "[request]") {
  TempDir t;
  fs::path dir = t.path / "parts";
  write(dir / "training-notebook-part2.ipynb", notebook({{"%cd ../../../RWKV-v5", "!ls model"},
                                                         {"%%bash", "cd ../model", "wget https://x/y/a.pth"},
                                                         {"!python lightning_trainer.py fit -c nope.yaml"}}));
  write(dir / "training-notebook-part01.ipynb", notebook({{"!echo 1"}}));
  write(dir / "training-notebook.ipynb", notebook({{"!echo 0"}}));
  Request r = load_request(dir.string());
  REQUIRE(r.notebooks.size() == 3);
  CHECK(r.notebooks[0].notebook.rel == "training-notebook.ipynb");
  CHECK(r.notebooks[1].notebook.rel == "training-notebook-part01.ipynb");
  CHECK(r.notebooks[1].part == 1);
  CHECK(r.notebooks[2].part == 2);
  const NotebookProgram& p2 = r.notebooks[2];
  REQUIRE(p2.commands.size() >= 4);
  CHECK(p2.commands[0].kind == CommandKind::Cd);  // the %cd
  CHECK(p2.commands[1].kind == CommandKind::Ls);
  CHECK(p2.commands[1].input == "/repo/RWKV-v5/model");
  CHECK(p2.commands[3].kind == CommandKind::Download);
  CHECK(p2.commands[3].output == "/repo/model/a.pth");  // the cell's cd applies to later lines
  REQUIRE(p2.stages.size() == 1);
  CHECK(p2.stages[0].config_path == "/repo/RWKV-v5/nope.yaml");
  CHECK(p2.stages[0].config_index == -1);
}

TEST_CASE("load_request: inside a trainer checkout", "[request]") {
  TempDir t;
  fs::create_directories(t.path / "repo" / ".git");
  fs::create_directories(t.path / "repo" / "RWKV-v5");
  fs::create_directories(t.path / "repo" / "RWKV-v4neo");
  fs::path dir = t.path / "repo" / "notebook" / "community" / "run";
  write(dir / "training-notebook.ipynb", notebook({{"import os", "D=os.getcwd()"}}));
  Request r = load_request(dir.string());
  REQUIRE(r.repo.checkout.has_value());
  CHECK(r.repo.rel_dir == "notebook/community/run");
  CHECK(r.repo.trainer_dirs == std::vector<std::string>{"RWKV-v4neo", "RWKV-v5"});
  CHECK(r.notebooks[0].env.get("D").str == "/repo/notebook/community/run");

  // a .git without trainer folders is not a trainer checkout
  TempDir u;
  fs::create_directories(u.path / "proj" / ".git");
  fs::path d2 = u.path / "proj" / "examples" / "req";
  fs::create_directories(d2);
  Request r2 = load_request(d2.string());
  CHECK_FALSE(r2.repo.checkout.has_value());
  CHECK(r2.repo.rel_dir == "notebook/community/req");
}

TEST_CASE("load_request: bad input", "[request]") {
  CHECK_THROWS_AS(load_request("/nonexistent/rwkvq/folder"), UsageError);
  TempDir t;
  fs::path dir = t.path / "bad";
  write(dir / "training-notebook.ipynb", "{ not json");
  write(dir / "training-config.yaml", "trainer: [unclosed");
  fs::create_directories(dir / "folder.ipynb");
  Request r = load_request(dir.string());
  REQUIRE(r.notebooks.size() == 1);
  CHECK(r.notebooks[0].notebook.error.has_value());
  CHECK(r.notebooks[0].commands.empty());
  REQUIRE(r.configs.size() == 1);
  CHECK(r.configs[0].error.has_value());
}

// The corpus metric (issue 2 point 6): how many training commands of the real notebooks are
// fully resolved (config path known and found, effective load_model known) and how many exports
// name a known target.
TEST_CASE("corpus: training commands resolved", "[corpus]") {
  fs::path corpus = RWKVQ_CORPUS_DIR;
  if (!fs::is_directory(corpus)) {
    WARN("corpus not found at " << corpus << ": skipped");
    return;
  }
  int trains = 0, resolved = 0, exports = 0, exports_known = 0, folders = 0;
  int config_known = 0, load_model_known = 0;  // whatever the corpus lacks
  std::map<std::string, int> reasons;
  std::vector<fs::path> dirs;
  for (auto& e : fs::directory_iterator(corpus)) {
    if (e.is_directory()) dirs.push_back(e.path());
  }
  std::sort(dirs.begin(), dirs.end());
  auto start = std::chrono::steady_clock::now();
  for (auto& d : dirs) {
    auto t0 = std::chrono::steady_clock::now();
    Request r;
    REQUIRE_NOTHROW(r = load_request(d.string()));
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();
    INFO(d.filename().string() << " took " << ms << " ms");
    CHECK(ms < 2000);
    ++folders;
    for (auto& nb : r.notebooks) {
      for (auto& s : nb.stages) {
        ++trains;
        const Command& c = nb.commands[static_cast<std::size_t>(s.command_index)];
        if (!s.config_path.empty()) ++config_known;
        if (s.config.load_model.set() && !s.config.load_model.unknown) ++load_model_known;
        std::string why;
        if (s.config_path.empty()) {
          why = "config unknown: " + c.why;
        } else if (s.config_index < 0) {
          std::string folder = r.repo.rel_dir.empty() ? "/repo" : "/repo/" + r.repo.rel_dir;
          bool direct = s.config_path.rfind(folder + "/", 0) == 0 &&
                        s.config_path.find('/', folder.size() + 1) == std::string::npos;
          why = direct ? "config missing from the folder (the corpus lacks it)"
                       : "config outside the request folder (e.g. config/ or ../; not in the corpus)";
        } else if (s.config.load_model.unknown) {
          for (auto& o : c.overrides) {
            if (o.key == "model.load_model" && o.unknown) why = "load_model unknown: " + o.why;
          }
          if (why.empty()) why = "load_model unknown";
        } else if (!s.config.load_model.set()) {
          why = "load_model not set";
        }
        if (why.empty()) {
          ++resolved;
        } else {
          ++reasons[why];
        }
      }
      for (auto& c : nb.commands) {
        if (c.kind != CommandKind::Export) continue;
        ++exports;
        if (!c.output.empty()) {
          ++exports_known;
        } else {
          ++reasons["export target unknown: " + c.why];
        }
      }
    }
  }
  auto total_ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count();
  std::vector<std::pair<int, std::string>> by_freq;
  for (auto& [k, v] : reasons) by_freq.emplace_back(v, k);
  std::sort(by_freq.rbegin(), by_freq.rend());
  std::ostringstream report;
  report << "corpus: " << folders << " folders in " << total_ms << " ms; training commands fully resolved: "
         << resolved << "/" << trains << "; exports with a known target: " << exports_known << "/" << exports
         << "\n  config path resolved: " << config_known << "/" << trains
         << "; load_model known (YAML of a found config or override): " << load_model_known << "/" << trains
         << "\n";
  for (auto& [n, why] : by_freq) report << "  " << n << "x " << why << "\n";
  WARN(report.str());
  CHECK(trains > 0);
  // Floors slightly below what is achieved (154/334 resolved: the other 180 name configs the
  // corpus does not hold; 176/178 exports: the other two name no output file).
  CHECK(trains >= 330);
  CHECK(resolved >= 150);
  CHECK(config_known >= trains - 2);
  CHECK(load_model_known >= 285);
  CHECK(exports_known >= 174);
}
