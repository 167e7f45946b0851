// The official trainer (DESIGN §7) through every rule that applies, train/not-found, and commands
// started from Python (subprocess.run, os.system).
#include <catch2/catch.hpp>

#include "rules/rule_fixture.h"

using namespace rwkvq;
using namespace rwkvq::test;

namespace {
std::vector<Finding> official_run(std::string_view rule, const std::vector<NbCell>& cells) {
  return run_rule(rule, {}, cells);
}
const std::string kExitTokens = " --my_exit_tokens 20000000";
}  // namespace

TEST_CASE("the clean official-trainer request has no findings", "[rules][train]") {
  RequestFixture fx(official_files());
  auto f = fx.run_all();
  INFO(describe(f));
  CHECK(f.empty());
  Request req = fx.load();
  REQUIRE(req.notebooks.size() == 1);
  REQUIRE(req.notebooks[0].stages.size() == 1);
  const Stage& st = req.notebooks[0].stages[0];
  CHECK(st.trainer == "train.py (RWKV-v5)");
  CHECK(st.config.load_model.value == std::optional<std::string>("../../model/RWKV-5-World-0.1B-v1-20230803-ctx4096.pth"));
  CHECK(st.config.tokens.value == std::optional<long long>(20000000));
  CHECK(st.config.precision.value == std::optional<std::string>("bf16"));
  CHECK(st.config.microbatch_size.value == std::optional<long long>(8));
  REQUIRE(st.outputs.size() == 1);
  CHECK(st.outputs[0] == "/repo/checkpoint/alice-shakespeare/rwkv-*.pth");
  REQUIRE(st.data_inputs.size() == 2);
  CHECK(*st.data_inputs[0].value == "/repo/datapath/shakespeare.bin");
  CHECK(*st.data_inputs[1].value == "/repo/datapath/shakespeare.idx");
}

TEST_CASE("official trainer: paths/trainer-dir accepts the folder the notebook cloned", "[rules][train]") {
  FixtureOptions opt;
  opt.checkout = true;
  opt.trainer_dirs = {"RWKV-v5"};
  CHECK(run_rule("paths/trainer-dir", official_files(), {}, opt).empty());
  // without the clone, RWKV-LM/ is a folder the checkout does not have
  auto cells = edit_cells(official_cells(), "!cd \"{PROJECT_DIR}\" && git clone --depth 1 https://github.com/BlinkDL/RWKV-LM",
                          "!ls");
  auto f = run_rule("paths/trainer-dir", {}, cells, opt);
  INFO(describe(f));
  REQUIRE(f.size() == 1);
  CHECK(f[0].message.find("RWKV-LM") != std::string::npos);
}

TEST_CASE("official trainer: limits/unbounded without --my_exit or --my_exit_tokens", "[rules][train]") {
  auto f = official_run("limits/unbounded", edit_cells(official_cells(), kExitTokens, ""));
  INFO(describe(f));
  REQUIRE(f.size() == 1);
  CHECK(f[0].severity == Severity::Error);
  CHECK(f[0].loc.cell == 5);
  CHECK(f[0].message.find("never stops by itself") != std::string::npos);
  CHECK(f[0].hint.find("--my_exit_tokens") != std::string::npos);
  // --my_exit ends it too
  CHECK(official_run("limits/unbounded", edit_cells(official_cells(), kExitTokens, " --my_exit 3")).empty());
  // but not in RWKV-v7/train_temp, whose train.py reads only --my_exit_tokens
  auto v7 = edit_cells(edit_cells(official_cells(), kExitTokens, " --my_exit 3"), "RWKV-LM/RWKV-v5",
                       "RWKV-LM/RWKV-v7/train_temp");
  CHECK(official_run("limits/unbounded", v7).size() == 1);
  CHECK(official_run("limits/unbounded", official_cells()).empty());
}

TEST_CASE("official trainer: output/model-folder follows rwkv-*.pth from --proj_dir", "[rules][train]") {
  CHECK(official_run("output/model-folder", official_cells()).empty());
  auto cells = official_cells();
  cells.pop_back();  // no cp into model/
  auto f = official_run("output/model-folder", cells);
  INFO(describe(f));
  REQUIRE(f.size() == 1);
  CHECK(f[0].severity == Severity::Error);
  CHECK(f[0].message.find("checkpoint/alice-shakespeare/") != std::string::npos);
  CHECK(f[0].message.find("no .pth reaches model/") != std::string::npos);
  // --proj_dir pointing at model/ itself writes there
  auto direct = edit_cells(cells, "--proj_dir \"../../checkpoint/{PROJECT_PREFIX}\"", "--proj_dir \"../../model\"");
  CHECK(official_run("output/model-folder", direct).empty());
  // mv works like cp
  auto mv = edit_cells(official_cells(), "!cp ", "!mv ");
  CHECK(official_run("output/model-folder", mv).empty());
}

TEST_CASE("official trainer: config/precision (its default is fp16)", "[rules][train]") {
  CHECK(official_run("config/precision", official_cells()).empty());
  auto f = official_run("config/precision", edit_cells(official_cells(), " --precision bf16", ""));
  INFO(describe(f));
  REQUIRE(f.size() == 1);
  CHECK(f[0].severity == Severity::Warning);
  CHECK(f[0].message.find("fp16") != std::string::npos);
  CHECK(f[0].message.find("default") != std::string::npos);
  CHECK(f[0].hint.find("--precision bf16") != std::string::npos);
  CHECK(official_run("config/precision", edit_cells(official_cells(), "--precision bf16", "--precision fp32")).size() == 1);
}

TEST_CASE("official trainer: data/source reads --data_file (binidx: .bin and .idx)", "[rules][train]") {
  CHECK(official_run("data/source", official_cells()).empty());
  auto cells = edit_cells(official_cells(), "wget -nc https://huggingface.co/datasets/alice/shakespeare-binidx/resolve/main/shakespeare.idx",
                          "ls");
  auto f = official_run("data/source", cells);
  INFO(describe(f));
  REQUIRE(f.size() == 1);
  CHECK(f[0].severity == Severity::Error);
  CHECK(f[0].message.find("datapath/shakespeare.idx") != std::string::npos);
  CHECK(f[0].message.find("--data_file") != std::string::npos);
}

TEST_CASE("official trainer: model/not-provided reads --load_model; none means from scratch", "[rules][train]") {
  CHECK(official_run("model/not-provided", official_cells()).empty());
  auto f = official_run("model/not-provided",
                        edit_cells(official_cells(), "RWKV-5-World-0.1B-v1-20230803-ctx4096.pth\" \\", "other.pth\" \\"));
  INFO(describe(f));
  REQUIRE(f.size() == 1);
  CHECK(f[0].severity == Severity::Error);
  CHECK(f[0].message.find("model/other.pth") != std::string::npos);
  auto scratch = edit_cells(official_cells(), "--load_model \"../../model/RWKV-5-World-0.1B-v1-20230803-ctx4096.pth\" ", "");
  CHECK(official_run("model/not-provided", scratch).empty());
}

TEST_CASE("train/not-found: a request without a readable training run", "[rules][train]") {
  CHECK(run_rule("train/not-found", clean_files()).empty());
  CHECK(run_rule("train/not-found", official_files()).empty());
  auto cells = clean_cells();
  cells.erase(cells.begin() + 5);  // the lightning_trainer.py cell
  auto f = run_rule("train/not-found", {{"training-config.yaml", clean_config()}}, cells);
  INFO(describe(f));
  REQUIRE(f.size() == 1);
  CHECK(f[0].severity == Severity::Error);
  CHECK(f[0].loc.file == "training-notebook.ipynb");
  CHECK(f[0].message.find("size") != std::string::npos);
  CHECK(f[0].message.find("hours") != std::string::npos);
  CHECK(f[0].hint.find("%%bash") != std::string::npos);
  // a script of the contributor's own is named
  cells.push_back({"code", "!python my_train.py --epochs 3"});
  f = run_rule("train/not-found", {{"training-config.yaml", clean_config()}}, cells);
  REQUIRE(f.size() == 1);
  CHECK(f[0].message.find("my_train.py") != std::string::npos);
  CHECK(f[0].loc.cell == 7);
}

TEST_CASE("commands from Python: a resolvable subprocess.run is a command like a ! line", "[rules][train]") {
  // the model download and the training, both from Python
  auto cells = edit_cells(clean_cells(),
                          "!cd \"{PROJECT_DIR}/model/\" && \\\n"
                          "    wget -nc https://huggingface.co/BlinkDL/rwkv-5-world/resolve/main/RWKV-5-World-0.1B-v1-20230803-ctx4096.pth",
                          "import subprocess\n"
                          "subprocess.run([\"wget\", \"-nc\", \"-P\", f\"{PROJECT_DIR}/model/\", "
                          "\"https://huggingface.co/BlinkDL/rwkv-5-world/resolve/main/RWKV-5-World-0.1B-v1-20230803-ctx4096.pth\"], check=True)");
  auto f = run_rule("model/not-provided", {{"training-config.yaml", clean_config()}}, cells);
  INFO(describe(f));
  CHECK(f.empty());
  // os.system with a known string: the training run is found
  auto sys = clean_cells();
  sys[5].source =
      "os.system(f\"cd {TRAINER_DIR} && python lightning_trainer.py fit -c {NOTEBOOK_DIR}/training-config.yaml "
      "--model.load_model=../model/{INIT_MODEL_NAME}\")";
  RequestFixture fx({{"training-config.yaml", clean_config()}, {"training-notebook.ipynb", notebook_json(sys)}});
  Request req = fx.load();
  REQUIRE(req.notebooks[0].stages.size() == 1);
  const Command& c = req.notebooks[0].commands[static_cast<std::size_t>(req.notebooks[0].stages[0].command_index)];
  CHECK(c.via == "os.system");
  CHECK(c.loc.cell == 6);
  CHECK(fx.run("train/not-found").empty());
}

TEST_CASE("commands from Python: an unresolvable download never gives a false error", "[rules][train]") {
  // model files downloaded by subprocess.run in a loop over names rwkvq cannot know
  auto cells = edit_cells(clean_cells(),
                          "!cd \"{PROJECT_DIR}/model/\" && \\\n"
                          "    wget -nc https://huggingface.co/BlinkDL/rwkv-5-world/resolve/main/RWKV-5-World-0.1B-v1-20230803-ctx4096.pth",
                          "import subprocess, json\n"
                          "names = json.load(open(\"models.json\"))\n"
                          "for n in names:\n"
                          "    subprocess.run([\"wget\", \"-nc\", \"-P\", f\"{PROJECT_DIR}/model/\", BASE_URL + n])");
  auto f = run_rule("model/not-provided", {{"training-config.yaml", clean_config()}}, cells);
  INFO(describe(f));
  REQUIRE(f.size() == 1);
  CHECK(f[0].severity == Severity::Warning);
  CHECK(f[0].message.find("could not tell") != std::string::npos);
  CHECK(f[0].hint.find("cell 4") != std::string::npos);
  // a whole command rwkvq cannot read: named in the warning
  auto opaque = edit_cells(clean_cells(),
                           "!cd \"{PROJECT_DIR}/model/\" && \\\n"
                           "    wget -nc https://huggingface.co/BlinkDL/rwkv-5-world/resolve/main/RWKV-5-World-0.1B-v1-20230803-ctx4096.pth",
                           "import subprocess\nsubprocess.check_call(download_command())");
  f = run_rule("model/not-provided", {{"training-config.yaml", clean_config()}}, opaque);
  INFO(describe(f));
  REQUIRE(f.size() == 1);
  CHECK(f[0].severity == Severity::Warning);
  CHECK(f[0].message.find("subprocess.check_call in cell 4") != std::string::npos);
}

TEST_CASE("train/not-found: a training started in a way rwkvq cannot read is named", "[rules][train]") {
  auto cells = clean_cells();
  cells[5].source = "import subprocess\nsubprocess.run(TRAIN_CMD, shell=True)";
  auto f = run_rule("train/not-found", {{"training-config.yaml", clean_config()}}, cells);
  INFO(describe(f));
  REQUIRE(f.size() == 1);
  CHECK(f[0].message.find("subprocess.run in cell 6") != std::string::npos);
  CHECK(f[0].loc.cell == 6);
}
