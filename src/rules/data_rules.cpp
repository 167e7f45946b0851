// data/: the dataset is downloadable (a Hub id or a link) and no dataset is committed into the
// repository (DESIGN §1 rule 4).
#include <algorithm>
#include <set>

#include "rules/data_detect.h"
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
           "dataset id, a URL, or a builtin loader over downloaded files; train.py's --data_file must be downloaded";
  }
  void check(const Request& req, const RuleContext&, std::vector<Finding>& out) const override {
    std::size_t from = out.size();
    RunFindings rf(out);
    for (const RunView& r : runs(req)) {
      std::size_t before = r.stage ? static_cast<std::size_t>(std::max(0, r.stage->command_index)) : 0;
      if (r.stage && !r.stage->data_inputs.empty()) {  // files the run reads (the official --data_file)
        for (const auto& in : r.stage->data_inputs) {
          if (in.unknown || !in.value || !r.nb) continue;  // could not tell
          const std::string& p = *in.value;
          if (notebook_fills(*r.nb, before, p)) continue;
          const Command* unres = nullptr;
          for (std::size_t i = 0; i < before && i < r.nb->commands.size() && !unres; ++i)
            if (r.nb->commands[i].kind == CommandKind::Unresolved) unres = &r.nb->commands[i];
          if (unres) {
            Finding f = make(origin_or(in, r.loc),
                             "could not tell whether " + r.nb->notebook.rel + " provides " + show_path(p) + ", the " +
                                 r.stage->names.data + " " + r.label + " reads: " + unresolved_call(*unres) +
                                 " runs a command rwkvq could not resolve",
                             "download the data with a `!wget`/`!huggingface-cli download` line of literal paths or "
                             "simple f-strings of known variables");
            f.severity = Severity::Warning;
            rf.add(r, std::move(f));
            break;
          }
          bool in_folder = false;
          if (auto rel = folder_relative(req, *r.nb, p)) in_folder = req.folder.find(*rel) != nullptr;
          rf.add(r, make(origin_or(in, r.loc),
                         r.label + " reads its dataset from " + show_path(p) + " (" + r.stage->names.data + "), " +
                             (in_folder ? std::string("a file committed in the request folder")
                                        : std::string("which the notebook does not download")) +
                             ": the dataset must be downloaded by the notebook, not part of the repository",
                         "upload the data (e.g. as a Hugging Face dataset) and download it before " + where(r.loc) +
                             ", e.g. !cd \"" + show_path(path_dirname(p)) + "\" && wget -nc <url>/" +
                             path_basename(p)));
          break;  // one finding per run: PREFIX.idx would say the same as PREFIX.bin
        }
        continue;
      }
      const auto& src = r.eff.source;
      if (src.unknown) continue;
      std::string value = src.set() ? std::string(trim(*src.value)) : std::string();
      if (value.empty() || value == "null") {
        const auto& dp = r.eff.data_path;
        if (dp.unknown || mentions_datapack(r) || !r.yaml_known) continue;
        if (r.stage && r.stage->names.data != "data.source" && !dp.set()) {
          rf.add(r, make(r.loc, r.label + " sets no " + r.stage->names.data + ": there is no dataset to train on",
                         "download the data in the notebook and pass it with " + r.stage->names.data));
          continue;
        }
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

class Committed : public Rule {
 public:
  std::string_view id() const override { return "data/committed"; }
  Severity default_severity() const override { return Severity::Error; }
  std::string_view summary() const override {
    return "data-like files (.jsonl, .parquet, .bin, .pth …, large .json/.txt, or any file over 5 MB) "
           "committed in the folder";
  }
  void check(const Request& req, const RuleContext& ctx, std::vector<Finding>& out) const override {
    for (const FileEntry& e : req.folder.entries) {
      if (e.type != FileEntry::Type::Regular) continue;
      // The first bytes are known for every readable file (FileEntry::head).
      auto verdict = judge_data_file(e.rel, e.size, e.head, e.readable, ctx.settings.limits);
      if (!verdict) continue;
      const std::string& why = verdict->why;
      if (verdict->notebook_outputs) {
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
