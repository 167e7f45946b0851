// `rwkvq init`: the request template (data/request-template.yaml) filled in from the options.
#include "rwkvq/scaffold/scaffold.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstdio>
#include <cctype>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "rwkvq/core/error.h"
#include "rwkvq/estimate/params.h"
#include "rwkvq/util/embedded.h"
#include "rwkvq/util/strings.h"

namespace rwkvq {
namespace {

namespace fs = std::filesystem;
using Vars = std::map<std::string, std::string>;

const YAML::Node& template_data() {
  static const YAML::Node root = [] {
    auto it = embedded_data().find("request-template.yaml");
    if (it == embedded_data().end()) throw std::logic_error("request-template.yaml is not compiled in");
    return YAML::Load(std::string(it->second));
  }();
  return root;
}

// {{name}} -> vars[name]; an unknown name is a bug of the template.
std::string fill(const std::string& text, const Vars& vars) {
  std::string out;
  std::size_t pos = 0;
  while (true) {
    std::size_t open = text.find("{{", pos);
    if (open == std::string::npos) break;
    std::size_t close = text.find("}}", open + 2);
    if (close == std::string::npos) break;
    std::string name = text.substr(open + 2, close - open - 2);
    auto it = vars.find(name);
    if (it == vars.end()) throw std::logic_error("request template: unknown placeholder {{" + name + "}}");
    out.append(text, pos, open - pos);
    out += it->second;
    pos = close + 2;
  }
  out.append(text, pos, std::string::npos);
  return out;
}

bool printable(const std::string& s) {
  return std::none_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7F; });
}

// A URL that can stand in a shell line and an IPython `!` line as it is: http(s), no spaces,
// quotes, braces (IPython would substitute them), backslashes or backquotes.
bool safe_url(const std::string& u) {
  if (!starts_with(u, "https://") && !starts_with(u, "http://")) return false;
  if (u.size() < 12 || u.size() > 2000) return false;
  for (char c : u) {
    bool ok = std::isalnum(static_cast<unsigned char>(c)) || std::string_view("-._~:/?#[]@!$&()*+,;=%").find(c) !=
                                                                  std::string_view::npos;
    if (!ok) return false;
  }
  return true;
}

// The file name of a URL's path ("…/x.pth?download=true" -> "x.pth").
std::string url_file(const std::string& u) {
  std::string path = u.substr(0, u.find_first_of("?#"));
  auto slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

std::string url_without_query(const std::string& u) { return u.substr(0, u.find_first_of("?#")); }

// Lower-case letters, digits and single dashes.
std::string slug(const std::string& s) {
  std::string out;
  for (char c : s) {
    unsigned char u = static_cast<unsigned char>(c);
    if (std::isalnum(u) && u < 0x80) out += static_cast<char>(std::tolower(u));
    else if (!out.empty() && out.back() != '-') out += '-';
  }
  while (!out.empty() && out.back() == '-') out.pop_back();
  return out;
}

std::string str(const YAML::Node& n) { return n.as<std::string>(); }

struct ModelChoice {
  std::string url, file, label;  // label: "RWKV-5 World 0.4B", or the file name
  YAML::Node settings;           // strategy, max_steps, micro_bsz, exit_tokens
  long long n_layer = 0, n_embd = 0;  // 0 = unknown
};

ModelChoice choose_model(const ScaffoldOptions& opt, const YAML::Node& t) {
  ModelChoice m;
  const YAML::Node& models = t["models"];
  if (models[opt.model]) {
    const YAML::Node& e = models[opt.model];
    m.file = str(e["file"]);
    m.url = str(t["model_base_url"]) + m.file;
    m.label = "RWKV-5 World " + opt.model;
    m.settings = e;
    m.n_layer = e["n_layer"].as<long long>();
    m.n_embd = e["n_embd"].as<long long>();
    return m;
  }
  if (!starts_with(opt.model, "http://") && !starts_with(opt.model, "https://"))
    throw UsageError("--model '" + opt.model + "': give 0.1B, 0.4B or 1.5B (RWKV-5 World) or the http(s) URL of a .pth");
  if (!safe_url(opt.model))
    throw UsageError("--model: the URL has characters that cannot stand in the notebook's shell line (spaces, quotes, "
                     "braces ...): percent-encode them");
  m.url = opt.model;
  m.file = url_file(opt.model);
  if (!ends_with(m.file, ".pth") || m.file.size() <= 4)
    throw UsageError("--model " + opt.model + ": the URL does not name a .pth file (the trainers load .pth weights)");
  m.label = m.file;
  m.settings = t["url_model"];
  if (auto size = size_from_name(m.file)) {
    if (size->n_layer && size->n_embd) {
      m.n_layer = *size->n_layer;
      m.n_embd = *size->n_embd;
      // One of the three sizes: its settings.
      for (const auto& kv : models)
        if (kv.second["n_layer"].as<long long>() == m.n_layer && kv.second["n_embd"].as<long long>() == m.n_embd)
          m.settings = kv.second;
    }
  }
  return m;
}

struct Cell {
  bool markdown = false;
  std::string text;
};

nlohmann::ordered_json notebook_json(const std::vector<Cell>& cells) {
  using json = nlohmann::ordered_json;
  json nb = json::object();
  json jcells = json::array();
  int n = 0;
  for (const auto& c : cells) {
    json jc = json::object();
    jc["cell_type"] = c.markdown ? "markdown" : "code";
    if (!c.markdown) jc["execution_count"] = nullptr;
    char id[32];
    std::snprintf(id, sizeof id, "rwkvq-%02d", ++n);
    jc["id"] = id;
    jc["metadata"] = json::object();
    if (!c.markdown) jc["outputs"] = json::array();
    json source = json::array();
    std::size_t start = 0;
    while (start < c.text.size()) {
      std::size_t nl = c.text.find('\n', start);
      if (nl == std::string::npos) {
        source.push_back(c.text.substr(start));
        break;
      }
      source.push_back(c.text.substr(start, nl - start + 1));
      start = nl + 1;
    }
    jc["source"] = std::move(source);
    jcells.push_back(std::move(jc));
  }
  nb["cells"] = std::move(jcells);
  nb["metadata"] = {
      {"kernelspec", {{"display_name", "Python 3 (ipykernel)"}, {"language", "python"}, {"name", "python3"}}},
      {"language_info",
       {{"codemirror_mode", {{"name", "ipython"}, {"version", 3}}},
        {"file_extension", ".py"},
        {"mimetype", "text/x-python"},
        {"name", "python"},
        {"nbconvert_exporter", "python"},
        {"pygments_lexer", "ipython3"}}}};
  nb["nbformat"] = 4;
  nb["nbformat_minor"] = 5;
  return nb;
}

}  // namespace

Scaffold make_scaffold(const ScaffoldOptions& opt) {
  const YAML::Node& t = template_data();
  Scaffold s;
  const bool official = opt.trainer == "official";
  if (!official && opt.trainer != "infctx")
    throw UsageError("--trainer '" + opt.trainer + "': infctx (RWKV-infctx-trainer) or official (BlinkDL/RWKV-LM)");

  // Handle, title, description.
  std::string handle = opt.handle;
  if (!handle.empty() && handle[0] != '@') handle = "@" + handle;
  std::string bare = handle.size() > 1 ? handle.substr(1) : "";
  bool handle_ok = bare.size() >= 2 && bare.size() <= 37 &&
                   std::all_of(bare.begin(), bare.end(), [](char c) {
                     return (std::isalnum(static_cast<unsigned char>(c)) && static_cast<unsigned char>(c) < 0x80) ||
                            c == '_' || c == '.' || c == '-';
                   });
  if (!handle_ok)
    throw UsageError("--handle '" + opt.handle + "': a Discord handle such as @alice_42 (2-37 letters, digits, _ . -)");
  if (to_lower(bare) == "your-discord-handle") throw UsageError("--handle: give your own Discord handle, not the template's");
  std::string title(trim(opt.title));
  if (title.empty()) throw UsageError("--title: a short title of what you train (it heads the notebook)");
  if (!printable(title) || title.size() > 200)
    throw UsageError("--title: one line of at most 200 bytes, no control characters");
  if (!printable(opt.description)) throw UsageError("--description: one paragraph, no control characters or newlines");
  if (opt.parts < 1 || opt.parts > 50) throw UsageError("--parts " + std::to_string(opt.parts) + ": 1 to 50");

  ModelChoice model = choose_model(opt, t);
  if (official && (model.n_layer == 0 || model.n_embd == 0))
    throw UsageError("--model " + opt.model + ": the official trainer needs the model's shape (--n_layer, --n_embd) and "
                     "rwkvq cannot tell it from the file name; give 0.1B, 0.4B or 1.5B, or a URL whose file name says "
                     "the size (…-0.4B-…, …-1B5-…) or the shape (…-L24-D1024-…)");

  // The trainer folder.
  std::string version = "v5";
  if (official) {
    s.notes.push_back("the notebook clones BlinkDL/RWKV-LM and trains in RWKV-LM/RWKV-v5 (train.py)");
  } else if (opt.trainer_dirs.empty()) {
    s.notes.push_back("not inside a checkout of RWKV-infctx-trainer: the trainer folder RWKV-v5 is assumed "
                      "(MODEL_VERSION in the notebook)");
  } else if (std::find(opt.trainer_dirs.begin(), opt.trainer_dirs.end(), "RWKV-v5") == opt.trainer_dirs.end()) {
    std::string newest = opt.trainer_dirs.back();
    if (t["models"][opt.model])
      throw UsageError("this checkout has no RWKV-v5 trainer folder (it has " + join(opt.trainer_dirs, ", ") +
                       ") and --model " + opt.model + " is an RWKV-5 World model: give --model the URL of a model "
                       "for " + newest);
    version = newest.substr(std::string("RWKV-").size());
    s.notes.push_back("trainer folder " + newest + " of this checkout (it has no RWKV-v5)");
  }

  // The dataset.
  std::string dataset = opt.dataset.empty() ? str(t["default_dataset"][official ? "official" : "infctx"]) : opt.dataset;
  const bool dataset_is_url = starts_with(dataset, "http://") || starts_with(dataset, "https://");
  if (dataset_is_url && !safe_url(dataset))
    throw UsageError("--dataset: the URL has characters that cannot stand in the notebook's shell line (spaces, quotes, "
                     "braces ...): percent-encode them");
  std::string loader, bin_url, idx_url, bin_prefix;
  if (official) {
    if (!dataset_is_url)
      throw UsageError("--dataset '" + dataset + "': the official trainer reads a binidx pair (PREFIX.bin and "
                       "PREFIX.idx), not a Hub dataset id: give the URL of the .bin file");
    std::string base = url_without_query(dataset);
    if (ends_with(base, ".bin") || ends_with(base, ".idx")) base.resize(base.size() - 4);
    bin_url = base + ".bin";
    idx_url = base + ".idx";
    bin_prefix = url_file(base);
    if (bin_prefix.empty()) throw UsageError("--dataset " + dataset + ": no file name in the URL");
  } else if (dataset_is_url) {
    std::string file = to_lower(url_file(dataset));
    if (ends_with(file, ".jsonl") || ends_with(file, ".json")) loader = "json";
    else if (ends_with(file, ".parquet")) loader = "parquet";
    else if (ends_with(file, ".csv")) loader = "csv";
    else if (ends_with(file, ".txt")) loader = "text";
    else
      throw UsageError("--dataset " + dataset + ": a URL of a .jsonl, .json, .parquet, .csv or .txt file (or give the "
                       "Hugging Face dataset id user/name)");
  } else {
    bool id_ok = dataset.size() <= 200 && std::count(dataset.begin(), dataset.end(), '/') == 1 &&
                 dataset.front() != '/' && dataset.back() != '/' &&
                 std::all_of(dataset.begin(), dataset.end(), [](char c) {
                   return (std::isalnum(static_cast<unsigned char>(c)) && static_cast<unsigned char>(c) < 0x80) ||
                          c == '_' || c == '.' || c == '-' || c == '/';
                 });
    if (!id_ok)
      throw UsageError("--dataset '" + dataset + "': a Hugging Face dataset id (user/name) or an http(s) URL");
  }

  // Names: the project prefix starts with the handle, then the folder.
  std::string who = slug(bare), what = slug(opt.folder_name);
  std::string prefix = what.empty() ? who : starts_with(what, who) ? what : who + "-" + what;
  if (prefix.size() > 60) prefix.resize(60);
  while (!prefix.empty() && prefix.back() == '-') prefix.pop_back();

  std::string description(trim(opt.description));
  if (description.empty()) {
    description = "Finetunes " + model.label + " on " + (opt.dataset.empty() ? dataset + " (rwkvq init's default)" : dataset) +
                  " with " + (official ? "BlinkDL's official trainer (RWKV-LM)" : "RWKV-infctx-trainer") +
                  (opt.parts > 1 ? ", in " + std::to_string(opt.parts) + " parts" : std::string()) + ".";
  }

  const YAML::Node& tt = t[official ? "official" : "infctx"];
  const YAML::Node& ms = model.settings;
  for (int k = 1; k <= opt.parts; ++k) {
    const bool parted = opt.parts > 1;
    std::string suffix = parted ? "-part" + std::to_string(k) : "";
    std::string run = prefix + suffix;
    std::string config = "training-config" + suffix + ".yaml";
    Vars v;
    v["title"] = title;
    v["description"] = description;
    v["handle"] = handle;
    v["prefix"] = prefix;
    v["run"] = run;
    v["config"] = config;
    v["model_version"] = version;
    v["strategy"] = str(official && ms["official_strategy"] ? ms["official_strategy"] : ms["strategy"]);
    v["max_steps"] = str(ms["max_steps"]);
    v["micro_bsz"] = str(ms["micro_bsz"]);
    v["exit_tokens"] = str(ms["exit_tokens"]);
    v["n_layer"] = std::to_string(model.n_layer);
    v["n_embd"] = std::to_string(model.n_embd);
    v["part_title"] = parted ? " (part " + std::to_string(k) + " of " + std::to_string(opt.parts) + ")" : "";
    v["part_suffix"] = suffix;
    v["previous_part"] = std::to_string(k - 1);
    if (k == 1) {
      v["model_url"] = model.url;
      v["model_file"] = model.file;
    } else {
      v["model_file"] = prefix + "-part" + std::to_string(k - 1) + ".pth";
      v["model_url"] = str(t["uploads_url"]) + v["model_file"];
    }
    v["dataset_url"] = dataset_is_url ? dataset : "";
    v["dataset_bin"] = bin_url;
    v["dataset_idx"] = idx_url;
    v["dataset_prefix"] = bin_prefix;
    if (!official)
      v["data_source"] = dataset_is_url ? "source: " + loader + "\n  source_data_dir: ../datapath/" + run + "-source/"
                                        : "source: " + dataset;
    std::map<std::string, bool> cond = {{"first_part", k == 1}, {"later_part", k > 1}, {"dataset_url", dataset_is_url}};

    std::vector<Cell> cells;
    for (const auto& c : tt["notebook"]) {
      if (c["when"]) {
        auto it = cond.find(str(c["when"]));
        if (it == cond.end()) throw std::logic_error("request template: unknown condition " + str(c["when"]));
        if (!it->second) continue;
      }
      Cell cell;
      cell.markdown = static_cast<bool>(c["markdown"]);
      cell.text = fill(str(cell.markdown ? c["markdown"] : c["code"]), v);
      cells.push_back(std::move(cell));
    }
    std::string nb_name = "training-notebook" + suffix + ".ipynb";
    s.files.push_back({nb_name, notebook_json(cells).dump(1, ' ', false) + "\n"});
    if (!official) s.files.push_back({config, fill(str(tt["config"]), v)});
  }

  // What to edit next.
  const bool parted = opt.parts > 1;
  s.next.push_back(std::string("Describe what you train and why in the first markdown cell of ") +
                   (parted ? "each notebook" : "training-notebook.ipynb") +
                   (opt.description.empty() ? " (the description written there only repeats the options)" : ""));
  if (opt.dataset.empty())
    s.next.push_back("Choose your dataset: " + dataset + " is init's small default (" +
                     (official ? (parted ? "--data_file in each notebook" : "--data_file in the notebook")
                               : (parted ? "data.source in each config" : "data.source in the config")) + "; or re-run with --dataset)");
  s.next.push_back(official ? "Set the run length: --my_exit_tokens " + str(ms["exit_tokens"]) +
                                  (parted ? " in each notebook" : " in the notebook")
                            : "Set the run length: trainer.max_steps (" + str(ms["max_steps"]) + ")" +
                                  (parted ? " in each config" : " in the config"));
  if (parted)
    s.next.push_back("Check where " +
                     (opt.parts == 2 ? std::string("part 2 downloads") : "parts 2-" + std::to_string(opt.parts) + " download") +
                     " the previous part's model from (" +
                     str(t["uploads_url"]) + "…): the runner uploads model/*.pth after each part");
  return s;
}

void write_scaffold(const fs::path& dir, const Scaffold& s) {
  std::error_code ec;
  auto st = fs::symlink_status(dir, ec);
  if (!ec && st.type() != fs::file_type::not_found) {
    if (st.type() != fs::file_type::directory)
      throw UsageError(dir.string() + " already exists and is not a folder: rwkvq init never overwrites anything");
    if (!fs::is_empty(dir, ec) || ec)
      throw UsageError(dir.string() + " already exists and is not empty: rwkvq init never overwrites anything "
                       "(choose a new folder name)");
  }
  fs::create_directories(dir, ec);
  if (ec) throw InputError(dir.string() + ": cannot create the folder: " + ec.message());
  for (const auto& f : s.files) {
    fs::path p = dir / f.name;
    std::ofstream out(p, std::ios::binary | std::ios::trunc);
    out << f.content;
    out.close();
    if (!out) throw InputError(p.string() + ": cannot write it");
  }
}

}  // namespace rwkvq
