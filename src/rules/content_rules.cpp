// content/: what the public sees of a request (DESIGN §1 rule 10, §11): NSFW or trolling words in
// its title, description, project prefix or dataset id, for a maintainer's eyes (a warning: a word
// list cannot judge intent).
#include <cctype>

#include "rules/rule_helpers.h"
#include "rwkvq/rules/rule.h"
#include "rwkvq/util/strings.h"

namespace rwkvq {
namespace {

using namespace rules;

// Whole words (letters and digits), lower case.
std::vector<std::string> words_of(std::string_view text) {
  std::vector<std::string> out;
  std::string cur;
  for (std::size_t i = 0; i <= text.size(); ++i) {
    char c = i < text.size() ? text[i] : ' ';
    if (std::isalnum(static_cast<unsigned char>(c))) {
      cur += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    } else if (!cur.empty()) {
      out.push_back(std::move(cur));
      cur.clear();
    }
  }
  return out;
}

// A content list entry with its words, split once per check rather than once per line read.
struct Phrase {
  const std::string* entry;
  std::vector<std::string> words;
};
std::vector<Phrase> phrases_of(const std::vector<std::string>& list) {
  std::vector<Phrase> out;
  for (const std::string& entry : list) {
    Phrase p{&entry, words_of(entry)};
    if (!p.words.empty()) out.push_back(std::move(p));
  }
  return out;
}

// The first listed word or phrase found in `text` ("" if none). Phrases match word by word.
std::string flagged(std::string_view text, const std::vector<Phrase>& list) {
  auto words = words_of(text);
  for (const Phrase& p : list) {
    const auto& want = p.words;
    for (std::size_t i = 0; i + want.size() <= words.size(); ++i) {
      bool all = true;
      for (std::size_t k = 0; k < want.size() && all; ++k) all = words[i + k] == want[k];
      if (all) return *p.entry;
    }
  }
  return "";
}

class Policy : public Rule {
 public:
  std::string_view id() const override { return "content/policy"; }
  Severity default_severity() const override { return Severity::Warning; }
  std::string_view summary() const override {
    return "NSFW or trolling words in the title, description, project prefix or dataset id "
           "(built-in list, extended by content.words in rwkvq.yaml)";
  }
  void check(const Request& req, const RuleContext& ctx, std::vector<Finding>& out) const override {
    const std::vector<Phrase> list = phrases_of(ctx.settings.content_words);
    const std::string hint =
        "everything a request trains is public (DESIGN §1 rule 10): a maintainer will read this "
        "before queueing it; reword it, or explain it in the description";
    std::size_t from = out.size();
    for (const NotebookProgram* nb : checked_notebooks(req)) {
      for (const Cell& cell : nb->notebook.cells) {
        if (cell.type != CellType::Markdown) continue;
        for (std::size_t i = 0; i < cell.lines.size(); ++i) {
          std::string w = flagged(cell.lines[i].text, list);
          if (w.empty()) continue;
          bool title = starts_with(trim(cell.lines[i].text), "#");
          out.push_back(make(line_loc(nb->notebook, cell, i),
                             std::string("the ") + (title ? "title" : "description") + " says \"" + w +
                                 "\", a word on the programme's content list",
                             hint));
        }
      }
      Value prefix = nb->env.get("PROJECT_PREFIX");
      if (prefix.kind == Value::Kind::String) {
        std::string w = flagged(prefix.str, list);
        if (!w.empty())
          out.push_back(make(file_loc(nb->notebook.rel), "the project prefix \"" + prefix.str + "\" contains \"" + w +
                                                             "\", a word on the programme's content list",
                             hint));
      }
    }
    for (const RunView& r : runs(req)) {
      if (!r.eff.source.value) continue;
      std::string w = flagged(*r.eff.source.value, list);
      if (w.empty()) continue;
      out.push_back(make(origin_or(r.eff.source, r.loc), "the dataset \"" + *r.eff.source.value + "\" contains \"" +
                                                             w + "\", a word on the programme's content list",
                         hint));
    }
    {
      std::string folder = req.folder.root.filename().string();
      std::string w = flagged(folder, list);
      if (!w.empty())
        out.push_back(make(file_loc(""), "the request folder's name \"" + folder + "\" contains \"" + w +
                                             "\", a word on the programme's content list",
                           hint));
    }
    dedupe(out, from);
  }
};
RWKVQ_REGISTER_RULE(Policy);

}  // namespace
}  // namespace rwkvq
