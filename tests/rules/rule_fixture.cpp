#include "rules/rule_fixture.h"

#include <catch2/catch.hpp>
#include <grp.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "rwkvq/rules/rule.h"

namespace rwkvq::test {

std::string notebook_json(const std::vector<NbCell>& cells) {
  nlohmann::json nb;
  nb["nbformat"] = 4;
  nb["nbformat_minor"] = 5;
  nb["metadata"] = nlohmann::json::object();
  nb["cells"] = nlohmann::json::array();
  int index = 0;
  for (const NbCell& c : cells) {
    nlohmann::json cell;
    cell["cell_type"] = c.type;
    cell["id"] = "cell-" + std::to_string(++index);  // nbformat 4.5: every cell has an id
    cell["metadata"] = nlohmann::json::object();
    nlohmann::json src = nlohmann::json::array();
    std::size_t start = 0;
    while (start < c.source.size()) {
      std::size_t nl = c.source.find('\n', start);
      if (nl == std::string::npos) {
        src.push_back(c.source.substr(start));
        break;
      }
      src.push_back(c.source.substr(start, nl - start + 1));
      start = nl + 1;
    }
    cell["source"] = src;
    if (c.type == "code") {
      cell["outputs"] = nlohmann::json::array();
      cell["execution_count"] = nullptr;
    }
    nb["cells"].push_back(cell);
  }
  return nb.dump(1);
}

std::vector<NbCell> clean_cells() {
  return {
      {"markdown",
       "# RWKV-5 0.1B on Tiny Shakespeare\n"
       "\n"
       "Finetunes the RWKV-5 World 0.1B model on the Tiny Shakespeare dataset, as a small test of "
       "the training pipeline for old English text.\n"
       "\n"
       "Your Discord handle: @alice_42"},
      {"code",
       "PROJECT_PREFIX=\"alice-shakespeare\"\n"
       "MODEL_VERSION=\"v5\"\n"
       "DEEPSPEED_STRAT=\"deepspeed_stage_1\"\n"
       "GPU_DEVICES=\"auto\"\n"
       "WANDB_PREFIX=f\"{PROJECT_PREFIX}\"\n"
       "FILENAME_PREFIX=f\"{PROJECT_PREFIX}\"\n"
       "import os\n"
       "NOTEBOOK_DIR=os.path.dirname(os.path.abspath(\"__file__\"))\n"
       "PROJECT_DIR=os.path.abspath(os.path.join(NOTEBOOK_DIR, \"../../../\"))\n"
       "TRAINER_DIR=os.path.abspath(os.path.join(PROJECT_DIR, f\"./RWKV-{MODEL_VERSION}/\"))"},
      {"code",
       "!mkdir -p \"{PROJECT_DIR}/model/\"\n"
       "!mkdir -p \"{PROJECT_DIR}/datapath/\"\n"
       "!mkdir -p \"{PROJECT_DIR}/checkpoint/\""},
      {"code",
       "!cd \"{PROJECT_DIR}/model/\" && \\\n"
       "    wget -nc https://huggingface.co/BlinkDL/rwkv-5-world/resolve/main/RWKV-5-World-0.1B-v1-20230803-ctx4096.pth\n"
       "INIT_MODEL_NAME=\"RWKV-5-World-0.1B-v1-20230803-ctx4096.pth\""},
      {"code",
       "!cd \"{TRAINER_DIR}\" && \\\n"
       "    python3 preload_datapath.py \"{NOTEBOOK_DIR}/training-config.yaml\""},
      {"code",
       "!cd \"{TRAINER_DIR}\" && \\\n"
       "    python lightning_trainer.py fit \\\n"
       "        -c \"{NOTEBOOK_DIR}/training-config.yaml\" \\\n"
       "        --trainer.strategy=\"{DEEPSPEED_STRAT}\" \\\n"
       "        --trainer.devices=\"{GPU_DEVICES}\" \\\n"
       "        --model.load_model=\"../model/{INIT_MODEL_NAME}\""},
      {"code",
       "!cd \"{TRAINER_DIR}\" && \\\n"
       "    python export_checkpoint.py \"../checkpoint/alice-shakespeare/last.ckpt\" \"../model/{FILENAME_PREFIX}.pth\""},
  };
}

std::string clean_config() {
  return "seed_everything: true\n"
         "trainer:\n"
         "  accelerator: gpu\n"
         "  devices: auto\n"
         "  num_nodes: 1\n"
         "  strategy: deepspeed_stage_1\n"
         "  precision: bf16\n"
         "  callbacks:\n"
         "    class_path: lightning.pytorch.callbacks.ModelCheckpoint\n"
         "    init_args:\n"
         "      dirpath: ../checkpoint/alice-shakespeare/\n"
         "      save_last: true\n"
         "  max_epochs: 1\n"
         "  target_batch_size: 32\n"
         "model:\n"
         "  load_model: ../model/RWKV-5-World-0.1B-v1-20230803-ctx4096.pth\n"
         "  ctx_len: 4096\n"
         "  lr_init: 4e-4\n"
         "data:\n"
         "  data_path: ../datapath/alice-shakespeare/\n"
         "  source: \"karpathy/tiny_shakespeare\"\n"
         "  tokenizer: world\n"
         "  test_split: 0.01\n";
}

std::map<std::string, std::string> clean_files() {
  return {{"training-notebook.ipynb", notebook_json(clean_cells())},
          {"training-config.yaml", clean_config()}};
}

std::vector<NbCell> official_cells() {
  return {
      {"markdown",
       "# RWKV-5 0.1B on Tiny Shakespeare (official trainer)\n"
       "\n"
       "Finetunes the RWKV-5 World 0.1B model on the Tiny Shakespeare dataset with BlinkDL's own "
       "trainer, as a small test of the training pipeline for old English text.\n"
       "\n"
       "Your Discord handle: @alice_42"},
      {"code",
       "PROJECT_PREFIX=\"alice-shakespeare\"\n"
       "FILENAME_PREFIX=f\"{PROJECT_PREFIX}\"\n"
       "import os\n"
       "NOTEBOOK_DIR=os.path.dirname(os.path.abspath(\"__file__\"))\n"
       "PROJECT_DIR=os.path.abspath(os.path.join(NOTEBOOK_DIR, \"../../../\"))\n"
       "TRAINER_DIR=os.path.join(PROJECT_DIR, \"RWKV-LM/RWKV-v5\")"},
      {"code",
       "!mkdir -p \"{PROJECT_DIR}/model/\"\n"
       "!mkdir -p \"{PROJECT_DIR}/datapath/\"\n"
       "!mkdir -p \"{PROJECT_DIR}/checkpoint/\"\n"
       "!cd \"{PROJECT_DIR}\" && git clone --depth 1 https://github.com/BlinkDL/RWKV-LM"},
      {"code",
       "!cd \"{PROJECT_DIR}/model/\" && \\\n"
       "    wget -nc https://huggingface.co/BlinkDL/rwkv-5-world/resolve/main/RWKV-5-World-0.1B-v1-20230803-ctx4096.pth\n"
       "!cd \"{PROJECT_DIR}/datapath/\" && \\\n"
       "    wget -nc https://huggingface.co/datasets/alice/shakespeare-binidx/resolve/main/shakespeare.bin && \\\n"
       "    wget -nc https://huggingface.co/datasets/alice/shakespeare-binidx/resolve/main/shakespeare.idx"},
      {"code",
       "!cd \"{TRAINER_DIR}\" && \\\n"
       "    python train.py --load_model \"../../model/RWKV-5-World-0.1B-v1-20230803-ctx4096.pth\" \\\n"
       "        --proj_dir \"../../checkpoint/{PROJECT_PREFIX}\" \\\n"
       "        --data_file \"../../datapath/shakespeare\" --data_type binidx --vocab_size 65536 \\\n"
       "        --n_layer 12 --n_embd 768 --ctx_len 1024 --micro_bsz 8 \\\n"
       "        --epoch_steps 200 --epoch_count 10 --epoch_save 1 --my_exit_tokens 20000000 \\\n"
       "        --lr_init 1e-5 --lr_final 1e-5 --accelerator gpu --devices 1 \\\n"
       "        --precision bf16 --strategy deepspeed_stage_2 --grad_cp 1"},
      {"code",
       "!cp \"{PROJECT_DIR}/checkpoint/{PROJECT_PREFIX}/rwkv-final.pth\" \"{PROJECT_DIR}/model/{FILENAME_PREFIX}.pth\""},
  };
}

std::map<std::string, std::string> official_files() {
  return {{"training-notebook.ipynb", notebook_json(official_cells())}};
}

std::map<std::string, std::string> with_config(const std::string& config) {
  auto files = clean_files();
  files["training-config.yaml"] = config;
  return files;
}

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  if (from.empty()) return s;
  std::size_t pos = 0;
  while ((pos = s.find(from, pos)) != std::string::npos) {
    s.replace(pos, from.size(), to);
    pos += to.size();
  }
  return s;
}

std::vector<NbCell> edit_cells(std::vector<NbCell> cells, const std::string& from, const std::string& to) {
  bool hit = false;
  for (auto& c : cells) {
    if (c.source.find(from) != std::string::npos) hit = true;
    c.source = replace_all(c.source, from, to);
  }
  INFO("edit_cells: text not found: " << from);
  REQUIRE(hit);
  return cells;
}

RequestFixture::RequestFixture(const std::map<std::string, std::string>& files, FixtureOptions opt) {
  std::string templ = (std::filesystem::temp_directory_path() / "rwkvq-rules-XXXXXX").string();
  if (!mkdtemp(templ.data())) throw std::runtime_error("mkdtemp failed");
  tmp_ = templ;
  if (opt.checkout) {
    std::filesystem::path repo = tmp_ / "repo";
    std::filesystem::create_directories(repo / ".git");
    for (const auto& d : opt.trainer_dirs) std::filesystem::create_directories(repo / d);
    dir_ = opt.rel_dir.empty() ? repo : repo / opt.rel_dir;
  } else {
    dir_ = tmp_ / opt.folder;
  }
  std::filesystem::create_directories(dir_);
  for (const auto& [rel, content] : files) write(rel, content);
}

RequestFixture::~RequestFixture() {
  std::error_code ec;
  // Restore permissions a test may have removed, then delete.
  for (auto it = std::filesystem::recursive_directory_iterator(
           tmp_, std::filesystem::directory_options::skip_permission_denied, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec))
    if (!it->is_symlink(ec)) std::filesystem::permissions(it->path(), std::filesystem::perms::owner_all,
                                                          std::filesystem::perm_options::add, ec);
  std::filesystem::remove_all(tmp_, ec);
}

void RequestFixture::write(const std::string& rel, const std::string& content) const {
  std::filesystem::path p = dir_ / rel;
  std::filesystem::create_directories(p.parent_path());
  std::ofstream out(p, std::ios::binary);
  out << content;
}

Request RequestFixture::load() const { return load_request(dir_.string()); }

std::vector<Finding> RequestFixture::run(std::string_view rule_id, const Settings& settings) const {
  const Rule* rule = find_rule(rule_id);
  INFO("rule " << rule_id);
  REQUIRE(rule != nullptr);
  Request req = load();
  RuleContext ctx{settings, nullptr, std::nullopt};
  std::vector<Finding> out;
  rule->check(req, ctx, out);
  for (const Finding& f : out) {
    CHECK(f.rule == rule_id);
    CHECK(!f.message.empty());
    CHECK(!f.hint.empty());
  }
  return out;
}

std::vector<Finding> RequestFixture::run_all() const {
  Request req = load();
  RuleContext ctx{default_settings(), nullptr, std::nullopt};
  return run_rules(req, ctx, CheckOptions{});
}

namespace {

constexpr char kField = '\x1f';
constexpr char kRecord = '\x1e';

std::string encode(const std::vector<Finding>& fs) {
  std::string s;
  for (const Finding& f : fs) {
    for (const std::string& x : {f.rule, std::to_string(static_cast<int>(f.severity)), f.loc.file,
                                 std::to_string(f.loc.line), std::to_string(f.loc.column),
                                 std::to_string(f.loc.cell), std::to_string(f.loc.cell_line), f.message, f.hint})
      s += x + kField;
    s += kRecord;
  }
  return s;
}

std::vector<Finding> decode(const std::string& s) {
  std::vector<Finding> out;
  std::size_t b = 0;
  while (b < s.size()) {
    std::size_t e = s.find(kRecord, b);
    if (e == std::string::npos) break;
    std::vector<std::string> x;
    std::size_t p = b;
    while (p < e) {
      std::size_t q = s.find(kField, p);
      if (q == std::string::npos || q > e) q = e;
      x.push_back(s.substr(p, q - p));
      p = q + 1;
    }
    if (x.size() == 9) {
      Finding f;
      f.rule = x[0];
      f.severity = static_cast<Severity>(std::stoi(x[1]));
      f.loc.file = x[2];
      f.loc.line = std::stoi(x[3]);
      f.loc.column = std::stoi(x[4]);
      f.loc.cell = std::stoi(x[5]);
      f.loc.cell_line = std::stoi(x[6]);
      f.message = x[7];
      f.hint = x[8];
      out.push_back(std::move(f));
    }
    b = e + 1;
  }
  return out;
}

}  // namespace

std::optional<std::vector<Finding>> RequestFixture::run_all_unprivileged() const {
  if (geteuid() != 0) return run_all();
  // Let uid 65534 reach the request folder (mkdtemp made the top folder 0700).
  for (std::filesystem::path p = dir_;; p = p.parent_path()) {
    ::chmod(p.c_str(), 0755);
    if (p == tmp_ || !p.has_parent_path() || p == p.parent_path()) break;
  }
  int fds[2];
  if (::pipe(fds) != 0) return std::nullopt;
  pid_t pid = ::fork();
  if (pid < 0) {
    ::close(fds[0]);
    ::close(fds[1]);
    return std::nullopt;
  }
  if (pid == 0) {
    ::close(fds[0]);
    std::string msg;
    int code = 0;
    if (::setgroups(0, nullptr) != 0 || ::setgid(65534) != 0 || ::setuid(65534) != 0) {
      code = 3;
    } else {
      try {
        Request req = load_request(dir_.string());
        RuleContext ctx{default_settings(), nullptr, std::nullopt};
        msg = encode(run_rules(req, ctx, CheckOptions{}));
      } catch (...) {
        code = 4;
      }
    }
    const char* d = msg.data();
    std::size_t left = msg.size();
    while (left > 0) {
      ssize_t w = ::write(fds[1], d, left);
      if (w <= 0) break;
      d += w;
      left -= static_cast<std::size_t>(w);
    }
    ::close(fds[1]);
    ::_exit(code);  // no destructors: the parent owns the folder
  }
  ::close(fds[1]);
  std::string data;
  char buf[4096];
  for (;;) {
    ssize_t r = ::read(fds[0], buf, sizeof buf);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    data.append(buf, static_cast<std::size_t>(r));
  }
  ::close(fds[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    INFO("unprivileged child failed, status " << status);
    CHECK((WIFEXITED(status) && WEXITSTATUS(status) == 3));  // only "could not drop" is acceptable
    return std::nullopt;
  }
  return decode(data);
}

std::vector<std::string> rule_ids(const std::vector<Finding>& f) {
  std::vector<std::string> ids;
  for (const auto& x : f) ids.push_back(x.rule);
  std::sort(ids.begin(), ids.end());
  return ids;
}

bool mentions(const std::vector<Finding>& f, const std::string& text) {
  for (const auto& x : f)
    if (x.message.find(text) != std::string::npos || x.hint.find(text) != std::string::npos) return true;
  return false;
}

std::vector<Finding> run_rule(std::string_view rule_id, std::map<std::string, std::string> files,
                              const std::vector<NbCell>& cells, FixtureOptions opt) {
  if (!cells.empty()) files["training-notebook.ipynb"] = notebook_json(cells);
  RequestFixture fx(files, std::move(opt));
  return fx.run(rule_id);
}

std::vector<Finding> with_severity(const std::vector<Finding>& f, std::optional<Severity> sev) {
  std::vector<Finding> out;
  for (const auto& x : f)
    if (!sev || x.severity == *sev) out.push_back(x);
  return out;
}

std::size_t count_severity(const std::vector<Finding>& f, Severity sev) {
  return with_severity(f, sev).size();
}

std::string describe(const std::vector<Finding>& f) {
  std::string s;
  for (const auto& x : f)
    s += std::string(to_string(x.severity)) + " " + x.loc.file + ":" + std::to_string(x.loc.line) + ":" +
         std::to_string(x.loc.column) + " [cell " + std::to_string(x.loc.cell) + ":" +
         std::to_string(x.loc.cell_line) + "] " + x.message + " | " + x.hint + "\n";
  return s.empty() ? "(no findings)" : s;
}

}  // namespace rwkvq::test
