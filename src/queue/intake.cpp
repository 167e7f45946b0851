#include "rwkvq/queue/intake.h"

#include <algorithm>
#include <cmath>

#include "rwkvq/util/strings.h"
#include "rwkvq/util/fmath.h"

namespace rwkvq::queue {

namespace {

template <class F>
void for_each_markdown_line(const Request& req, F&& f) {
  for (const auto& nb : req.notebooks) {
    if (!nb.request_notebook) continue;
    for (const auto& cell : nb.notebook.cells) {
      if (cell.type != CellType::Markdown) continue;
      for (const auto& line : cell.lines)
        if (f(line.text)) return;
    }
  }
}

std::string clean(std::string_view s) {
  std::string out(trim(s));
  if (out.size() > 200) out = out.substr(0, 200);
  return out;
}

double round2(double h) { return fm::round(h * 100) / 100; }

}  // namespace

std::string request_title(const Request& req) {
  std::string heading, first;
  for_each_markdown_line(req, [&](const std::string& text) {
    std::string_view t = trim(text);
    if (t.empty()) return false;
    if (t.front() == '#') {
      while (!t.empty() && t.front() == '#') t.remove_prefix(1);
      heading = clean(t);
      return !heading.empty();
    }
    if (first.empty()) first = clean(t);
    return false;
  });
  return heading.empty() ? first : heading;
}

std::string request_handle(const Request& req) {
  std::string handle;
  for_each_markdown_line(req, [&](const std::string& text) {
    const std::string lower = to_lower(text);
    auto pos = lower.find("discord");
    if (pos == std::string::npos) return false;
    auto colon = lower.find(':', pos);
    std::string_view rest = colon == std::string::npos ? std::string_view{} : std::string_view(text).substr(colon + 1);
    rest = trim(rest);
    // Strip Markdown emphasis/code around the handle.
    while (!rest.empty() && (rest.front() == '*' || rest.front() == '`' || rest.front() == '_')) rest.remove_prefix(1);
    std::size_t end = 0;
    while (end < rest.size() && rest[end] != ' ' && rest[end] != '\t' && rest[end] != '*' && rest[end] != '`' &&
           rest[end] != ',' && rest[end] != ')')
      ++end;
    handle = clean(rest.substr(0, end));
    return !handle.empty();
  });
  return handle;
}

Entry make_entry(const Request& req, const RequestEstimate& est, const IntakeOptions& opt) {
  Entry e;
  const auto& kinds = known_kinds();
  if (std::find(kinds.begin(), kinds.end(), opt.kind) == kinds.end())
    throw Refused("unknown kind \"" + opt.kind + "\" (rwkv-x, community-priority, community)");
  e.kind = opt.kind;
  e.boost = opt.boost;
  e.folder = req.folder.root.string();
  e.title = request_title(req);
  e.handle = request_handle(req);
  e.target = opt.target ? *opt.target : est.target;
  if (e.target.empty())
    throw Refused("no runner target fits this request" +
                  (est.target_reason.empty() ? std::string() : " (" + est.target_reason + ")") +
                  "; give --target to queue it anyway");

  if (!est.parts.empty()) {
    for (const auto& pe : est.parts) {
      Part p;
      p.n = static_cast<int>(e.parts.size()) + 1;
      p.notebook = pe.name;
      if (pe.hours) p.hours = round2(*pe.hours);
      // Per target: the sum over the part's training stages; unknown if any stage is unknown.
      std::map<std::string, TargetFit> on;
      std::map<std::string, bool> hours_unknown;
      for (const auto& st : pe.stages) {
        for (const auto& te : st.targets) {
          auto [it, fresh] = on.try_emplace(te.name, TargetFit{0.0, true, std::nullopt});
          TargetFit& f = it->second;
          if (te.hours && !hours_unknown[te.name]) f.hours = *f.hours + *te.hours;
          else { hours_unknown[te.name] = true; f.hours.reset(); }
          if (te.fits == false) f.fits = false;
          else if (!te.fits && f.fits == true) f.fits.reset();
          if (te.utilisation > 0) f.utilisation = te.utilisation;  // what the hours assume (learn.h)
          (void)fresh;
        }
      }
      // The work behind the hours: 6·N·T summed over the stages (unknown if any stage is).
      double flops = 0;
      bool flops_known = !pe.stages.empty();
      for (const auto& st : pe.stages) {
        if (st.params.value && st.tokens.value)
          flops += 6.0 * static_cast<double>(*st.params.value) * static_cast<double>(*st.tokens.value);
        else
          flops_known = false;
      }
      if (flops_known) p.flops = flops;
      for (auto& [name, f] : on)
        if (f.hours) f.hours = round2(*f.hours);
      p.on = std::move(on);
      if (!p.hours) {
        if (auto it = p.on.find(e.target); it != p.on.end()) p.hours = it->second.hours;
      }
      e.parts.push_back(std::move(p));
    }
  } else {
    for (const auto& nb : req.notebooks) {
      if (!nb.request_notebook) continue;
      Part p;
      p.n = static_cast<int>(e.parts.size()) + 1;
      p.notebook = nb.notebook.rel;
      e.parts.push_back(std::move(p));
    }
  }
  if (e.parts.empty()) throw Refused("no training notebook in " + req.folder.display_path);
  return e;
}

std::string add_entry(Queue& q, Entry e, const ChangeInfo& info) {
  for (const auto& other : q.requests)
    if (other.folder == e.folder && is_active(other))
      throw Refused(e.folder + " is already queued as " + other.id + " (" +
                    std::string(request_state(other)) + ")");
  e.id = "r" + std::to_string(q.next_id++);
  e.submitted = e.since = info.now;
  e.history.push_back(HistoryEntry{info.now, info.by, "add", 0, info.reason, std::nullopt});
  q.requests.push_back(std::move(e));
  return q.requests.back().id;
}

}  // namespace rwkvq::queue
