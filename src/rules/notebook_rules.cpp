// notebook/: the notebook file itself and what the PR must say (DESIGN §1 rule 9): valid JSON,
// a Discord handle, a title and description, no template placeholders left.
#include <algorithm>
#include <cctype>

#include "rules/rule_helpers.h"
#include "rwkvq/rules/rule.h"
#include "rwkvq/util/match.h"
#include "rwkvq/util/strings.h"

namespace rwkvq {
namespace {

using namespace rules;

constexpr std::string_view kHandlePlaceholder = "your-discord-handle";
constexpr std::string_view kTemplateTitle = "example title of your finetune / training project";
constexpr std::string_view kTemplateDescription = "describe your project here in overall";
constexpr std::string_view kTemplatePrefix = "userhandle-example-finetune-proj";
constexpr std::string_view kTemplateModel = "model-to-finetune.pth";

class Invalid : public Rule {
 public:
  std::string_view id() const override { return "notebook/invalid"; }
  Severity default_severity() const override { return Severity::Error; }
  std::string_view summary() const override {
    return "a notebook that is not JSON, not nbformat 4, or has malformed cells";
  }
  void check(const Request& req, const RuleContext&, std::vector<Finding>& out) const override {
    for (const auto& nb : req.notebooks) {
      if (!nb.notebook.error) continue;
      const std::string& rel = nb.notebook.rel;
      // Not a readable file at all (unreadable, FIFO …): layout/unsafe-file says what is there.
      if (!unusable_file(req, rel).empty()) continue;
      const ParseError& e = *nb.notebook.error;
      Location l = file_loc(rel);
      l.line = e.line;
      l.column = e.column;
      if (e.line <= 0) {
        // No position: the file could not be read (too large …) or the problem is the whole file.
        constexpr std::string_view read_prefix = "cannot read the file: ";
        bool read = starts_with(e.message, read_prefix);
        out.push_back(make(l,
                           read ? rel + " could not be read: " + e.message.substr(read_prefix.size())
                                : rel + " cannot be read as a notebook: " + e.message,
                           read ? "clear the notebook's outputs (Edit > Clear All Outputs) and save it again "
                                  "from Jupyter, so that it is a small nbformat 4 notebook"
                                : "open it in Jupyter and save it again (File > Save) as an nbformat 4 notebook"));
        continue;
      }
      if (nb.notebook.nbformat >= 1 && nb.notebook.nbformat <= 3) {
        out.push_back(make(l, rel + " cannot be checked: " + e.message,
                           "save it as version 4: `jupyter nbconvert --to notebook --nbformat 4 --inplace " + rel +
                               "` (or open it in Jupyter and save it, which writes version 4), then check "
                               "it again"));
        continue;
      }
      out.push_back(make(l, rel + " cannot be read as a notebook: " + e.message,
                         "save it again from Jupyter (File > Save), or fix the JSON at line " +
                             std::to_string(e.line) + (e.column > 0 ? ", column " + std::to_string(e.column) : "") +
                             " of " + rel));
    }
  }
};
RWKVQ_REGISTER_RULE(Invalid);

// The nbformat 4 schema breaches the notebook reader found (Notebook::schema): one finding per
// kind, at its first place, with how many places share it.
class Schema : public Rule {
 public:
  std::string_view id() const override { return "notebook/schema"; }
  Severity default_severity() const override { return Severity::Warning; }
  std::string_view summary() const override {
    return "a version-4 notebook that breaks the nbformat 4 schema of its minor version (what Jupyter's "
           "own validator would reject), with the JSON path";
  }
  void check(const Request& req, const RuleContext&, std::vector<Finding>& out) const override {
    for (const NotebookProgram* nb : checked_notebooks(req)) {
      const Notebook& n = nb->notebook;
      if (n.schema.empty()) continue;
      const int minor = n.nbformat_minor;
      const std::string version = minor < 0 ? "4.0 (no valid nbformat_minor)"
                                  : minor > 5 ? "4.5 (the newest rwkvq knows; it declares 4." +
                                                    std::to_string(minor) + ")"
                                              : "4." + std::to_string(minor);
      for (const SchemaProblem& p : n.schema) {
        Location l = file_loc(n.rel);
        l.line = p.line;
        l.column = p.column;
        l.cell = p.cell;
        std::string msg = n.rel + " breaks the nbformat " + version + " schema: " + p.message;
        if (p.count > 1)
          msg += " (" + std::to_string(p.count) + " places of this kind in the notebook; the first is shown)";
        out.push_back(make(l, msg,
                           p.fix + ". Jupyter's own validator (nbformat) rejects the notebook as it is, and "
                                   "tools such as nbconvert may refuse it"));
      }
    }
  }
};
RWKVQ_REGISTER_RULE(Schema);

bool is_handle_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-' || c == '#';
}

// Does this markdown line name a Discord handle? Recognises "Discord handle: @name",
// "Discord: name", "discord - name", "Discord username is name" and an @name on a line that
// mentions Discord.
bool line_has_handle(std::string line) {
  std::string low = to_lower(line);
  std::size_t p = low.find("discord");
  if (p == std::string::npos) return false;
  // @name after the word Discord.
  for (std::size_t i = p; i < line.size(); ++i) {
    if (line[i] != '@') continue;
    std::size_t j = i + 1;
    while (j < line.size() && is_handle_char(line[j])) ++j;
    if (j - i - 1 >= 2) return true;
  }
  // Discord [handle|username|user|name|id|tag|account]* (:|-|=|is) name
  // (find_discord_named_handle); bounded to 200 characters from the word, as it always was.
  if (auto name = find_discord_named_handle(std::string_view(line).substr(p, 200))) {
    std::string h = to_lower(*name);
    if (h != "handle" && h != "username" && h != "none" && h != "n" && h != "tbd" && h != "todo")
      return true;
  }
  return false;
}

// Lines of a markdown cell, with the template placeholder blanked out.
class DiscordHandle : public Rule {
 public:
  std::string_view id() const override { return "notebook/discord-handle"; }
  Severity default_severity() const override { return Severity::Error; }
  std::string_view summary() const override {
    return "no Discord handle in the notebook's markdown, or still the template's placeholder";
  }
  void check(const Request& req, const RuleContext&, std::vector<Finding>& out) const override {
    auto nbs = checked_notebooks(req);
    if (nbs.empty()) return;
    bool found = false;
    for (const NotebookProgram* nb : nbs) {
      for (const Cell& cell : nb->notebook.cells) {
        if (cell.type != CellType::Markdown) continue;
        for (std::size_t i = 0; i < cell.lines.size(); ++i) {
          std::string text = cell.lines[i].text;
          std::string low = to_lower(text);
          std::size_t ph = low.find(kHandlePlaceholder);
          if (ph != std::string::npos) {
            Location l = line_loc(nb->notebook, cell, i);
            l.column += static_cast<int>(ph > 0 && text[ph - 1] == '@' ? ph - 1 : ph);
            out.push_back(make(l,
                               "the Discord handle is still the template's placeholder "
                               "@your-discord-handle",
                               "replace it with your own Discord handle in " + nb->notebook.rel + ", " +
                                   where(line_loc(nb->notebook, cell, i)) +
                                   ", so that maintainers can reach you"));
            text.erase(ph, kHandlePlaceholder.size());
          }
          if (line_has_handle(text)) found = true;
          // "Discord handle:" with the name alone on the next line.
          if (!found && to_lower(text).find("discord") != std::string::npos &&
              trim(text).back() == ':' && i + 1 < cell.lines.size()) {
            std::string next(trim(cell.lines[i + 1].text));
            if (!next.empty() && next.find(' ') == std::string::npos &&
                to_lower(next).find(kHandlePlaceholder) == std::string::npos)
              found = true;
          }
        }
      }
    }
    if (found || !out.empty()) return;
    const NotebookProgram* nb = nbs.front();
    Location l = file_loc(nb->notebook.rel);
    for (const Cell& c : nb->notebook.cells)
      if (c.type == CellType::Markdown) {
        l = cell_loc(nb->notebook, c);
        break;
      }
    out.push_back(make(l, nb->notebook.rel + " does not give your Discord handle in its markdown",
                       "add a line \"Your Discord handle: @yourname\" to the first markdown cell"));
  }
};
RWKVQ_REGISTER_RULE(DiscordHandle);

class Description : public Rule {
 public:
  std::string_view id() const override { return "notebook/description"; }
  Severity default_severity() const override { return Severity::Error; }
  std::string_view summary() const override {
    return "no title and description markdown at the top of the notebook, or still the template's text";
  }
  void check(const Request& req, const RuleContext&, std::vector<Finding>& out) const override {
    for (const NotebookProgram* nb : checked_notebooks(req)) {
      const Cell* first = nullptr;
      for (const Cell& c : nb->notebook.cells)
        if (c.type == CellType::Markdown) {
          first = &c;
          break;
        }
      const std::string& rel = nb->notebook.rel;
      if (!first) {
        Location l = file_loc(rel);
        if (!nb->notebook.cells.empty()) l = cell_loc(nb->notebook, nb->notebook.cells.front());
        out.push_back(make(l, rel + " has no markdown cell with a title and a description of the project",
                           "start the notebook with a markdown cell: \"# <title>\", then what you "
                           "train, on which data, and why"));
        continue;
      }
      // The leading markdown: the first markdown cell and any others before the first code cell.
      std::vector<const Cell*> lead;
      bool started = false;
      for (const Cell& c : nb->notebook.cells) {
        if (c.type == CellType::Markdown) {
          lead.push_back(&c);
          started = true;
        } else if (c.type == CellType::Code && started) {
          break;
        }
      }
      const Cell* template_cell = nullptr;
      int title_line = -1, template_title = -1, template_desc = -1;
      bool description = false;
      for (const Cell* cell : lead) {
        for (std::size_t i = 0; i < cell->lines.size(); ++i) {
          std::string t(trim(cell->lines[i].text));
          std::string low = to_lower(t);
          if (t.empty()) continue;
          if (t[0] == '#') {
            std::string title(trim(std::string_view(t).substr(t.find_first_not_of('#'))));
            if (title.empty()) continue;
            if (title_line < 0) title_line = static_cast<int>(i);
            if (to_lower(title) == kTemplateTitle && template_title < 0) {
              template_title = static_cast<int>(i);
              template_cell = cell;
            }
            continue;
          }
          if (low.find(kTemplateDescription) != std::string::npos) {
            if (template_desc < 0) {
              template_desc = static_cast<int>(i);
              if (!template_cell) template_cell = cell;
            }
            continue;
          }
          if (low.find("modify the `training-config.yaml` according to your use case") != std::string::npos ||
              low.find("discord") != std::string::npos || starts_with(t, ">"))
            continue;
          if (std::count_if(t.begin(), t.end(), [](char c) { return std::isalpha(static_cast<unsigned char>(c)); }) >= 3)
            description = true;
        }
      }
      if (template_title >= 0 || template_desc >= 0) {
        std::string what;
        if (template_title >= 0) what = "title (\"Example title of your finetune / training project\")";
        if (template_desc >= 0)
          what += std::string(what.empty() ? "" : " and ") + "description (\"Describe your project here in overall\")";
        int at = template_title >= 0 ? template_title : template_desc;
        out.push_back(make(line_loc(nb->notebook, *template_cell, static_cast<std::size_t>(at)),
                           rel + " still has the template's " + what,
                           "write your project's title and what it trains, on which data and why, in " +
                               where(cell_loc(nb->notebook, *first)) + " of " + rel));
        continue;
      }
      if (title_line < 0 || !description) {
        std::string miss = title_line < 0 && !description ? "a title (\"# …\") and a description"
                           : title_line < 0              ? "a title (\"# …\")"
                                                         : "a description under its title";
        out.push_back(make(cell_loc(nb->notebook, *first),
                           "the first markdown cell of " + rel + " lacks " + miss,
                           "start the notebook with a markdown cell: \"# <title>\", then what you "
                           "train, on which data, and why"));
      }
    }
  }
};
RWKVQ_REGISTER_RULE(Description);

class TemplateLeftover : public Rule {
 public:
  std::string_view id() const override { return "notebook/template-leftover"; }
  Severity default_severity() const override { return Severity::Warning; }
  std::string_view summary() const override {
    return "placeholders of the programme's template left in the request (PROJECT_PREFIX, "
           "model-to-finetune.pth)";
  }
  void check(const Request& req, const RuleContext&, std::vector<Finding>& out) const override {
    std::size_t from = out.size();
    for (const NotebookProgram* nb : checked_notebooks(req)) {
      for (const CodeLine& l : nb->lines) {
        if (l.kind != LineKind::Python) continue;
        std::size_t p = l.text.find(kTemplatePrefix);
        if (p == std::string::npos) continue;
        std::string name = "the project prefix";
        std::size_t eq = l.text.find('=');
        if (eq != std::string::npos && eq < p) name = std::string(trim(std::string_view(l.text).substr(0, eq)));
        out.push_back(make(code_loc(nb->notebook, l),
                           name + " is still the template's \"" + std::string(kTemplatePrefix) +
                               "\": your W&B runs and the exported model would carry the example's name",
                           "set it to \"<discord-handle>-<short-project-name>\" in " + where(code_loc(nb->notebook, l)) +
                               " of " + nb->notebook.rel));
      }
    }
    RunFindings rf(out);
    for (const RunView& r : runs(req)) {
      const auto& lm = r.eff.load_model;
      if (!lm.set() || lm.unknown || path_basename(*lm.value) != kTemplateModel) continue;
      rf.add(r, make(origin_or(lm, r.loc),
                         r.label + " starts from the template's placeholder model " + *lm.value,
                         "point model.load_model at the model your notebook downloads or "
                         "initialises (e.g. --model.load_model=\"../model/{INIT_MODEL_NAME}\")"));
    }
    rf.flush();
    dedupe(out, from);
  }

 private:
  static std::string path_basename(const std::string& p) {
    auto s = p.find_last_of('/');
    return s == std::string::npos ? p : p.substr(s + 1);
  }
};
RWKVQ_REGISTER_RULE(TemplateLeftover);

}  // namespace
}  // namespace rwkvq
