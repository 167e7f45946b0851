// data/: the dataset is downloadable (a Hub id or a link) and no dataset is committed into the
// repository (DESIGN §1 rule 4).
#include <algorithm>
#include <cstdio>
#include <regex>
#include <set>

#include "rules/rule_helpers.h"
#include "rwkvq/request/vpath.h"
#include "rwkvq/rules/rule.h"
#include "rwkvq/util/strings.h"

namespace rwkvq {
namespace {

using namespace rules;

bool is_url(std::string_view s) { return s.find("://") != std::string_view::npos; }

bool is_local_path(std::string_view s) {
  return starts_with(s, "./") || starts_with(s, "../") || starts_with(s, "/") || starts_with(s, "~") ||
         s == "." || s == "..";
}

bool is_builtin_loader(std::string_view s) {
  static const std::set<std::string, std::less<>> loaders = {
      "text", "json", "jsonl", "csv", "tsv", "parquet", "arrow", "pandas", "webdataset",
      "imagefolder", "audiofolder", "sql", "generator"};
  return loaders.count(to_lower(s)) > 0;
}

// Does the notebook (before the run) put something at or under `path`?
bool notebook_fills(const NotebookProgram& nb, std::size_t before, const std::string& path) {
  for (std::size_t i = 0; i < before && i < nb.commands.size(); ++i) {
    const Command& c = nb.commands[i];
    if (c.kind != CommandKind::Download && c.kind != CommandKind::Copy && c.kind != CommandKind::Move &&
        c.kind != CommandKind::Other && c.kind != CommandKind::OtherPython)
      continue;
    if (c.output.empty()) continue;
    std::string out = path_normalize(c.output);
    if (path_under(out, path) || path_under(path, out)) return true;
  }
  return false;
}

bool mentions_datapack(const RunView& r) {
  if (r.config && r.config->find("data.datapack_config_path")) return true;
  if (r.cmd)
    for (const Override& o : r.cmd->overrides)
      if (o.key == "data.datapack_config_path") return true;
  return false;
}

class Source : public Rule {
 public:
  std::string_view id() const override { return "data/source"; }
  Severity default_severity() const override { return Severity::Error; }
  std::string_view summary() const override {
    return "data.source is a local path, or missing with no prebuilt data_path; it must be a Hub "
           "dataset id, a URL, or a builtin loader over downloaded files";
  }
  void check(const Request& req, const RuleContext&, std::vector<Finding>& out) const override {
    std::size_t from = out.size();
    RunFindings rf(out);
    for (const RunView& r : runs(req)) {
      std::size_t before = r.stage ? static_cast<std::size_t>(std::max(0, r.stage->command_index)) : 0;
      const auto& src = r.eff.source;
      if (src.unknown) continue;
      std::string value = src.set() ? std::string(trim(*src.value)) : std::string();
      if (value.empty() || value == "null") {
        const auto& dp = r.eff.data_path;
        if (dp.unknown || mentions_datapack(r) || !r.yaml_known) continue;
        if (dp.set() && !dp.value->empty()) {
          std::string p = resolve(*dp.value, r.cwd);
          if (r.nb && !p.empty() && notebook_fills(*r.nb, before, p)) continue;
          rf.add(r, make(origin_or(src, r.loc),
                             r.label + " has no data.source: it expects a prebuilt dataset in " + *dp.value +
                                 ", but the runner empties datapath/ before the run and the notebook does "
                                 "not download one",
                             "set data.source to the Hugging Face dataset id (user/name) or a URL of your data"));
        } else {
          rf.add(r, make(origin_or(src, r.loc), r.label + " sets neither data.source nor data.data_path: "
                                                              "there is no dataset to train on",
                             "set data.source to the Hugging Face dataset id (user/name) or a URL, and "
                             "data.data_path: ../datapath/<your-project>/"));
        }
        continue;
      }
      Location at = origin_or(src, r.loc);
      if (is_url(value)) continue;
      if (is_builtin_loader(value)) {
        const auto& dir = r.eff.source_data_dir;
        if (dir.unknown) continue;
        std::string d = dir.set() ? std::string(trim(*dir.value)) : std::string();
        if (d.empty() || d == "null") {
          Finding f = make(at, r.label + " uses the builtin '" + value + "' loader but no data.source_data_dir: "
                                         "could not tell where its files come from",
                           "point data.source_data_dir at a URL or a folder the notebook downloads the files into");
          f.severity = Severity::Info;
          rf.add(r, std::move(f));
          continue;
        }
        if (is_url(d)) continue;
        std::string p = resolve(d, r.cwd);
        if (r.nb && !p.empty() && notebook_fills(*r.nb, before, p)) continue;
        rf.add(r, make(origin_or(dir, at),
                           r.label + " loads '" + value + "' files from " + d +
                               (p.empty() ? std::string() : " (" + show_path(p) + ")") +
                               ", a local folder the notebook does not download into: datasets are not "
                               "committed, so the runner would find nothing there",
                           "upload the files (e.g. as a Hugging Face dataset) and download them in the notebook "
                           "into that folder, or set data.source to the dataset's Hub id"));
        continue;
      }
      bool in_folder = req.folder.find(value) != nullptr ||
                       (is_local_path(value) && req.folder.find(path_basename(value)) != nullptr);
      if (is_local_path(value) || in_folder) {
        std::string p = in_folder ? std::string() : resolve(value, r.cwd);
        if (r.nb && !p.empty() && notebook_fills(*r.nb, before, p)) continue;
        std::string shown = in_folder ? value + " (a file in the request folder)"
                                      : value + (p.empty() ? std::string() : " (" + show_path(p) + ")");
        rf.add(r, make(at, r.label + " reads its dataset from the local path " + shown +
                                   ": the dataset must be downloadable, not part of the repository",
                           "upload the data as a Hugging Face dataset and set data.source to its id "
                           "(user/name), or to a URL"));
        continue;
      }
      // Otherwise a Hub dataset id ("user/name", or a canonical "name"): downloadable.
    }
    rf.flush();
    dedupe(out, from);
  }
};
RWKVQ_REGISTER_RULE(Source);

std::string human_bytes(std::uint64_t n) {
  char buf[32];
  if (n >= (1ull << 20)) std::snprintf(buf, sizeof buf, "%.1f MB", static_cast<double>(n) / (1 << 20));
  else if (n >= 1024) std::snprintf(buf, sizeof buf, "%.1f KB", static_cast<double>(n) / 1024);
  else std::snprintf(buf, sizeof buf, "%llu bytes", static_cast<unsigned long long>(n));
  return buf;
}

// The data format a file's first bytes reveal, or "".
std::string magic_format(std::string_view h) {
  auto has = [&](std::string_view m, std::size_t off = 0) { return h.size() >= off + m.size() && h.substr(off, m.size()) == m; };
  if (has("PAR1")) return "Parquet";
  if (has("ARROW1")) return "Arrow";
  if (has(std::string_view("PK\x03\x04", 4))) return "zip (also PyTorch checkpoints)";
  if (has("\x1f\x8b")) return "gzip";
  if (has(std::string_view("7z\xbc\xaf\x27\x1c", 6))) return "7z";
  if (has(std::string_view("\x93NUMPY", 6))) return "NumPy";
  if (has(std::string_view("\xfd" "7zXZ\x00", 6))) return "xz";
  if (has(std::string_view("\x28\xb5\x2f\xfd", 4))) return "zstd";
  if (has("BZh") && h.size() >= 4 && h[3] >= '1' && h[3] <= '9') return "bzip2";
  if (has(std::string_view("\x80\x02", 2)) || has(std::string_view("\x80\x04", 2)) ||
      has(std::string_view("\x80\x05", 2)))
    return "Python pickle";
  // safetensors: 8-byte little-endian header length, then the JSON header.
  if (h.size() >= 10 && h[8] == '{' && h[9] == '"' && h[6] == 0 && h[7] == 0) return "safetensors";
  return "";
}

class Committed : public Rule {
 public:
  std::string_view id() const override { return "data/committed"; }
  Severity default_severity() const override { return Severity::Error; }
  std::string_view summary() const override {
    return "data-like files (.jsonl, .parquet, .bin, .pth …, large .json/.txt, or any file over 5 MB) "
           "committed in the folder";
  }
  void check(const Request& req, const RuleContext& ctx, std::vector<Finding>& out) const override {
    const Limits& lim = ctx.settings.limits;
    static const std::set<std::string> data_ext = {
        ".jsonl", ".parquet", ".arrow", ".csv", ".tsv", ".bin", ".idx", ".npy", ".npz", ".pt", ".pth",
        ".ckpt", ".safetensors", ".zip", ".tar", ".tgz", ".gz", ".7z", ".xz", ".bz2", ".zst", ".rar"};
    for (const FileEntry& e : req.folder.entries) {
      if (e.type != FileEntry::Type::Regular) continue;
      std::string name = to_lower(path_basename(e.rel));
      auto dot = name.rfind('.');
      std::string ext = dot == std::string::npos ? "" : name.substr(dot);
      std::string why;
      if (data_ext.count(ext) || name.find(".tar.") != std::string::npos) {
        why = "a data file (" + ext + ", " + human_bytes(e.size) + ")";
      } else if ((ext == ".json" || ext == ".txt") && e.size > lim.max_text_bytes) {
        why = "a " + human_bytes(e.size) + " " + ext + " file (over " + human_bytes(lim.max_text_bytes) +
              ", so data rather than settings)";
      } else if (std::string fmt = magic_format(e.head); !fmt.empty()) {
        why = "really " + fmt + " data, whatever its name says";
      } else if (e.size > lim.max_file_bytes) {
        why = human_bytes(e.size) + ", over the " + human_bytes(lim.max_file_bytes) + " limit for a request file";
      }
      if (why.empty()) continue;
      if (ext == ".ipynb" && magic_format(e.head).empty()) {
        out.push_back(make(file_loc(e.rel), e.rel + " is " + why,
                           "clear the notebook's outputs (Edit > Clear All Outputs) before committing it"));
        continue;
      }
      out.push_back(make(file_loc(e.rel), e.rel + " is " + why + ": no dataset or model may be committed into the repository",
                         "delete it from the request; upload data as a Hugging Face dataset (set data.source to "
                         "its id) and let the notebook download models"));
    }
  }
};
RWKVQ_REGISTER_RULE(Committed);

}  // namespace
}  // namespace rwkvq
