// The queue's public status page (status_page.h): the view from the queue and its plan, and one
// self-contained HTML page with an inline SVG timeline per node. No script, no external asset.
#include "rwkvq/report/status_page.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <sstream>
#include <unordered_map>

#include "rwkvq/queue/duration.h"
#include "rwkvq/queue/states.h"
#include "rwkvq/util/strings.h"
#include "rwkvq/util/utf8.h"

namespace rwkvq {

using queue::Entry;
using queue::Part;
using queue::PartState;
using queue::Plan;
using queue::PlanItem;
using queue::Time;

std::string html_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 16);
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      switch (c) {
        case '&': out += "&amp;"; break;
        case '<': out += "&lt;"; break;
        case '>': out += "&gt;"; break;
        case '"': out += "&quot;"; break;
        case '\'': out += "&#39;"; break;
        case '\t': case '\n': out += static_cast<char>(c); break;
        default:
          if (c >= 0x20 && c != 0x7f) out += static_cast<char>(c);  // other controls: dropped
      }
      ++i;
      continue;
    }
    // A well-formed UTF-8 sequence is copied; anything else becomes U+FFFD, one byte at a time.
    std::size_t len = 0;
    unsigned cp = 0;
    if (c >= 0xC2 && c <= 0xDF) len = 2, cp = c & 0x1F;
    else if (c >= 0xE0 && c <= 0xEF) len = 3, cp = c & 0x0F;
    else if (c >= 0xF0 && c <= 0xF4) len = 4, cp = c & 0x07;
    bool ok = len > 0 && i + len <= s.size();
    for (std::size_t k = 1; ok && k < len; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) ok = false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    // Overlong forms, surrogates, > U+10FFFF; C1 controls dropped like C0 ones.
    if (ok && ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
               (cp >= 0xD800 && cp <= 0xDFFF)))
      ok = false;
    if (!ok) {
      append_utf8(out, 0xFFFD);
      ++i;
      continue;
    }
    if (!(cp >= 0x80 && cp < 0xA0)) out.append(s.substr(i, len));
    i += len;
  }
  return out;
}

std::string safe_link(std::string_view url) {
  if (!starts_with(to_lower(url.substr(0, 8)), "https://") && !starts_with(to_lower(url.substr(0, 7)), "http://"))
    return "";
  for (unsigned char c : url)
    if (c <= 0x20 || c == 0x7f || c == '"' || c == '\'' || c == '<' || c == '>' || c == '\\') return "";
  return std::string(url);
}

std::string public_folder(const Entry& e) {
  namespace fs = std::filesystem;
  const fs::path folder = fs::path(e.folder).lexically_normal();
  for (fs::path up = folder.parent_path(); up.has_relative_path(); up = up.parent_path()) {
    if (up.filename() == "notebook") return folder.lexically_relative(up).generic_string();
    if (up.parent_path() == up) break;
  }
  std::string name = folder.filename().generic_string();
  if (name.empty() || name == "." || name == "..") name = folder.parent_path().filename().generic_string();
  return name;
}

std::string public_unplanned_reason(std::string_view why) {
  // The scheduler's reasons (scheduler.cpp): some name the node a part runs on, which a
  // maintainer typed and the page does not show.
  if (starts_with(why, "failed")) return "failed: waits for a maintainer to retry or cancel it";
  if (starts_with(why, "running on")) return "running on a node outside the plan";
  if (starts_with(why, "no estimate")) return "no estimate of its hours";
  if (starts_with(why, "fits none")) return "fits none of the planned nodes";
  if (starts_with(why, "waits for part")) return "waits for an earlier part";
  return "not planned";
}

StatusView make_status_view(const queue::Queue& q, const std::vector<queue::Ranked>& ranked, const Plan& plan,
                            Time now, std::size_t recent) {
  StatusView v;
  v.now = now;
  v.plan = &plan;
  // The plan's items and first unplanned part of each request (a queue may hold thousands).
  std::unordered_map<const Entry*, std::vector<const PlanItem*>> items_of;
  for (const auto& it : plan.items) items_of[it.entry].push_back(&it);
  std::unordered_map<const Entry*, const queue::Unplanned*> first_unplanned;
  for (const auto& u : plan.unplanned) first_unplanned.emplace(u.entry, &u);
  int position = 0;
  for (const auto& r : ranked) {
    const Entry& e = *r.entry;
    if (!queue::is_active(e)) continue;
    StatusRow row;
    row.entry = &e;
    row.position = ++position;
    row.priority = r.factors.total;
    const int cur = queue::current_part(e);
    row.part = cur + 1;
    row.hours = r.factors.hours;
    const auto unplanned = first_unplanned.find(&e);
    if (unplanned != first_unplanned.end())
      row.not_planned = "part " + std::to_string(unplanned->second->part) + ": " +
                        public_unplanned_reason(unplanned->second->why);
    const auto planned = items_of.find(&e);
    if (planned != items_of.end())
      for (const PlanItem* it : planned->second) {
        if (!row.start || it->start < *row.start) row.start = it->start;
        if (!row.finish || it->end > *row.finish) row.finish = it->end;
      }
    if (unplanned != first_unplanned.end()) row.finish.reset();
    const Part& p = e.parts[static_cast<std::size_t>(cur)];
    if (p.state == PartState::Running) {
      StatusRun run;
      run.entry = &e;
      run.part = p.n;
      run.target = p.ran_on.empty() ? e.target : p.ran_on;
      run.started = p.started;
      if (planned != items_of.end())
        for (const PlanItem* it : planned->second)
          if (it->part == p.n && it->running) {
            run.end = it->end;
            run.overdue = it->overdue;
          }
      run.dispatched = p.dispatch.has_value();
      if (p.run) {
        run.run_url = p.run->url;
        run.run_status = p.run->status;
      }
      v.running.push_back(std::move(run));
    }
    v.queue.push_back(std::move(row));
  }
  for (const auto& e : q.requests)
    for (const auto& p : e.parts) {
      if (p.state != PartState::Done && p.state != PartState::Failed) continue;
      StatusEnded x;
      x.entry = &e;
      x.part = p.n;
      x.state = p.state;
      x.target = p.ran_on.empty() ? e.target : p.ran_on;
      x.started = p.started;
      x.finished = p.finished;
      x.real_hours = p.real_hours;
      if (!x.real_hours && p.started && p.finished && *p.finished >= *p.started)
        x.real_hours = static_cast<double>(*p.finished - *p.started) / 3600.0;
      x.estimate = queue::part_hours(e, p, x.target);
      if (p.run) {
        x.run_url = p.run->url;
        x.conclusion = p.run->conclusion;
      }
      v.recent.push_back(std::move(x));
    }
  v.ended_total = v.recent.size();
  auto when = [](const StatusEnded& x) { return x.finished.value_or(x.started.value_or(0)); };
  std::stable_sort(v.recent.begin(), v.recent.end(), [&](const StatusEnded& a, const StatusEnded& b) {
    if (when(a) != when(b)) return when(a) > when(b);
    if (a.entry->id != b.entry->id) return a.entry->id < b.entry->id;
    return a.part < b.part;
  });
  if (v.recent.size() > recent) v.recent.resize(recent);
  return v;
}

namespace {

std::string iso(Time t) { return queue::format_time(t); }
// "11-28 06:00" in a <time> element with the full ISO time.
std::string time_el(std::optional<Time> t) {
  if (!t) return "<span class=\"muted\">unknown</span>";
  const std::string s = iso(*t);
  return "<time datetime=\"" + s + "\">" + s.substr(5, 5) + " " + s.substr(11, 5) + "</time>";
}

std::string num(double v, int digits = 1) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

std::string part_label(const Entry& e, int part) {
  return e.parts.size() > 1 ? e.id + "/part" + std::to_string(part) : e.id;
}

std::string state_badge(std::string_view state) {
  const std::string s(state);
  return "<span class=\"st st-" + html_escape(s) + "\">" + html_escape(s) + "</span>";
}

std::string link_or_text(const std::string& url, const std::string& text) {
  const std::string u = safe_link(url);
  if (u.empty()) return html_escape(text);
  return "<a href=\"" + html_escape(u) + "\" rel=\"nofollow noopener\">" + html_escape(text) + "</a>";
}

// The request cell: title, handle, folder, pull request.
std::string request_cell(const Entry& e, const StatusPageOptions& opt) {
  std::string s = "<span class=\"title\">" + html_escape(e.title.empty() ? "(no title)" : e.title) + "</span>";
  s += "<span class=\"sub\">" + html_escape(e.handle.empty() ? "(no handle)" : e.handle) + " · <code>" +
       html_escape(public_folder(e)) + "</code>";
  if (e.pr > 0) {
    const std::string text = "PR #" + std::to_string(e.pr);
    s += " · " + (opt.pr_base.empty() ? html_escape(text) : link_or_text(opt.pr_base + std::to_string(e.pr), text));
    if (!e.pr_author.empty()) s += " by " + html_escape(e.pr_author);
  }
  return s + "</span>";
}

// A table cell; `label` names it in the card layout of narrow screens.
std::string td(std::string_view cls, std::string_view label, const std::string& content) {
  std::string s = "<td";
  if (!cls.empty()) s += " class=\"" + std::string(cls) + "\"";
  if (!label.empty()) s += " data-label=\"" + std::string(label) + "\"";
  return s + ">" + content + "</td>";
}

// Phones: the tables become cards (one block per row, each cell with its label); wider
// screens: plain tables, which scroll in their own box when they must.
constexpr const char* kStyle = R"CSS(
:root{color-scheme:light dark;--fg:#1f2328;--bg:#fff;--muted:#59636e;--line:#d1d9e0;--head:#f6f8fa;
--run:#1a7f37;--plan:#0969da;--over:#9a6700;--fail:#cf222e;--done:#8250df;--now:#cf222e;--lane:#eef1f4}
@media (prefers-color-scheme:dark){:root{--fg:#e6edf3;--bg:#0d1117;--muted:#9198a1;--line:#3d444d;
--head:#151b23;--run:#3fb950;--plan:#4493f8;--over:#d29922;--fail:#f85149;--done:#ab7df8;--now:#f85149;
--lane:#1b222c}}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%;text-size-adjust:100%}
body{margin:0;color:var(--fg);background:var(--bg);overflow-wrap:anywhere;
font:16px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",sans-serif}
header,main,footer{max-width:72rem;margin:0 auto;padding:0 1rem}
h1{font-size:1.45rem;margin:1rem 0 .25rem}
h2{font-size:1.15rem;margin:1.6rem 0 .5rem}
h3{font-size:1rem;margin:0}
p{margin:.3rem 0}
a{color:var(--plan)}
code{font-size:.85em}
.muted,.sub{color:var(--muted)}
.sub{display:block;font-size:.85rem}
.title{font-weight:600;display:block}
.scroll{overflow-x:auto;border:1px solid var(--line);border-radius:6px;max-width:100%}
table{border-collapse:collapse;width:100%;font-size:.9rem}
th,td{padding:.4rem .55rem;text-align:left;vertical-align:top;border-bottom:1px solid var(--line)}
th{background:var(--head);white-space:nowrap;font-weight:600}
tbody tr:last-child td{border-bottom:0}
td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
td.t{white-space:nowrap;font-variant-numeric:tabular-nums}
td.t .sub{white-space:normal;min-width:10rem}
td.req{min-width:12rem}
.st{display:inline-block;padding:0 .45em;border-radius:1em;font-size:.8rem;border:1px solid currentColor;
white-space:nowrap;line-height:1.35}
.st-running{color:var(--run)}.st-queued,.st-skipped{color:var(--plan)}.st-failed{color:var(--fail)}
.st-done{color:var(--done)}.st-overdue{color:var(--over)}
.lane{margin:0 0 1.1rem}
.lane svg{display:block;width:100%;height:66px;overflow:hidden}
svg .bg{fill:var(--lane)}
svg .bar{stroke:var(--bg);stroke-width:1}
svg .running{fill:var(--run)}svg .planned{fill:var(--plan)}svg .overdue{fill:var(--over)}
svg .lbl{fill:#fff;font-size:12px;font-weight:600}
svg .tick{stroke:var(--muted);stroke-opacity:.35}svg .tl{fill:var(--muted);font-size:11px}
svg .now{stroke:var(--now);stroke-width:2}svg .nl{fill:var(--now);font-size:11px;font-weight:600}
svg .idle{fill:var(--muted);font-size:12px}
svg text{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",sans-serif}
.legend{font-size:.85rem;color:var(--muted)}
.sw{display:inline-block;width:.8em;height:.8em;border-radius:2px;vertical-align:-.05em;margin:0 .25em 0 .6em}
.sw-run{background:var(--run)}.sw-over{background:var(--over)}.sw-plan{background:var(--plan)}
.sw-now{background:var(--now)}
footer{margin-top:2rem;padding-bottom:2rem;font-size:.85rem;color:var(--muted)}
@media (max-width:40rem){
h1{font-size:1.3rem}
table.cards thead{display:none}
table.cards,table.cards tbody{display:block;width:100%}
table.cards tr{display:flex;flex-wrap:wrap;align-items:baseline;padding:.55rem .7rem;
border-bottom:1px solid var(--line)}
table.cards tbody tr:last-child{border-bottom:0}
table.cards td{flex:0 0 auto;max-width:100%;border:0;padding:.1rem 1rem .1rem 0;text-align:left;
white-space:normal}
table.cards td.lead{font-weight:600;padding-right:.6rem}
table.cards td.req{flex:1 1 70%;min-width:0;padding:.1rem 0 .3rem}
table.cards td[data-label]::before{content:attr(data-label) " ";color:var(--muted);font-size:.8rem}
table.cards td.pos::before{content:"#"}
svg .tl.odd{display:none}
svg .wide{display:none}
}
)CSS";

// Tick marks of the timeline: a step from a fixed list so that there are at most 6.
std::vector<Time> ticks(Time t0, Time t1, Time& step) {
  static const Time steps[] = {1800, 3600, 2 * 3600, 3 * 3600, 6 * 3600, 12 * 3600, 86400, 2 * 86400,
                               7 * 86400, 14 * 86400, 28 * 86400, 91 * 86400, 182 * 86400, 364 * 86400};
  step = steps[std::size(steps) - 1];
  for (Time s : steps)
    if ((t1 - t0) / s <= 6) {
      step = s;
      break;
    }
  std::vector<Time> out;
  for (Time t = (t0 / step + 1) * step; t < t1 && out.size() < 64; t += step) out.push_back(t);
  return out;
}

// The lanes share one time axis. Positions are percentages of the SVG's width, so that the SVG
// fills any screen while its text keeps its real size (no viewBox scaling).
struct Timeline {
  Time t0 = 0, t1 = 1;
  static constexpr double kLeft = 0.5, kRight = 99.5;  // % of the width
  double x(Time t) const {
    const double f = static_cast<double>(std::clamp(t, t0, t1) - t0) / static_cast<double>(t1 - t0);
    return kLeft + f * (kRight - kLeft);
  }
};

std::string pct(double v) { return num(v, 2) + "%"; }

// Text anchored so that it stays inside the lane near the edges.
std::string anchor(double x) { return x < 8 ? "start" : x > 92 ? "end" : "middle"; }

std::string svg_lane(const Timeline& tl, const std::vector<Time>& tick_at, Time step, const queue::PlanNode& node,
                     const std::vector<const PlanItem*>& items, Time now) {
  const int bar_y = 16, bar_h = 30, axis_y = bar_y + bar_h + 4;
  // A bar label is shown when it fits at the narrowest lane (~22 rem); else only on wide
  // screens when it fits at ~60 rem; else it is left to the bar's tooltip.
  constexpr double kNarrowPx = 350, kWidePx = 950;
  std::ostringstream o;
  o << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"100%\" height=\"66\" role=\"img\" aria-label=\""
    << html_escape("timeline of " + node.name) << "\">";
  o << "<rect class=\"bg\" x=\"" << pct(tl.kLeft) << "\" y=\"" << bar_y << "\" width=\""
    << pct(tl.kRight - tl.kLeft) << "\" height=\"" << bar_h << "\" rx=\"3\"/>";
  for (std::size_t i = 0; i < tick_at.size(); ++i) {
    const std::string s = iso(tick_at[i]);
    const std::string label = step >= 86400 ? s.substr(5, 5) : s.substr(5, 5) + " " + s.substr(11, 5);
    const double x = tl.x(tick_at[i]);
    o << "<line class=\"tick\" x1=\"" << pct(x) << "\" x2=\"" << pct(x) << "\" y1=\"" << bar_y << "\" y2=\""
      << axis_y << "\"/>";
    o << "<text class=\"tl" << (i % 2 ? " odd" : "") << "\" x=\"" << pct(x) << "\" y=\"" << axis_y + 13
      << "\" text-anchor=\"" << anchor(x) << "\">" << label << "</text>";
  }
  for (const PlanItem* it : items) {
    const double x0 = tl.x(it->start), x1 = std::max(tl.x(it->end), x0 + 0.2);
    const char* cls = it->running ? (it->overdue ? "overdue" : "running") : "planned";
    const std::string label = part_label(*it->entry, it->part);
    o << "<g><title>"
      << html_escape(label + " · " + it->entry->title + " · " + (it->running ? "running" : "planned") + " " +
                     iso(it->start).substr(5, 11) + " – " + iso(it->end).substr(5, 11) + " UTC")
      << "</title><rect class=\"bar " << cls << "\" data-id=\"" << html_escape(it->entry->id) << "\" data-part=\""
      << it->part << "\" x=\"" << pct(x0) << "\" y=\"" << bar_y << "\" width=\"" << pct(x1 - x0)
      << "\" height=\"" << bar_h << "\" rx=\"3\"/>";
    const double need = 7.5 * static_cast<double>(label.size()) + 8;  // px, 12 px bold digits
    const double frac = (x1 - x0) / 100;
    if (frac * kWidePx >= need)
      o << "<text class=\"lbl" << (frac * kNarrowPx >= need ? "" : " wide") << "\" x=\"" << pct(x0)
        << "\" dx=\"4\" y=\"" << bar_y + bar_h / 2 + 4 << "\">" << html_escape(label) << "</text>";
    o << "</g>";
  }
  if (items.empty())
    o << "<text class=\"idle\" x=\"50%\" y=\"" << bar_y + bar_h / 2 + 4
      << "\" text-anchor=\"middle\">idle: nothing planned</text>";
  const double xn = tl.x(now);
  o << "<line class=\"now\" x1=\"" << pct(xn) << "\" x2=\"" << pct(xn) << "\" y1=\"" << bar_y - 3 << "\" y2=\""
    << axis_y << "\"/><text class=\"nl\" x=\"" << pct(xn) << "\" y=\"" << bar_y - 5 << "\" text-anchor=\""
    << anchor(xn) << "\">now</text>";
  o << "</svg>";
  return o.str();
}

}  // namespace

std::string render_status_html(const StatusView& v, const StatusPageOptions& opt) {
  static const Plan kNoPlan;
  const Plan& plan = v.plan ? *v.plan : kNoPlan;
  std::ostringstream o;
  const std::string title = html_escape(opt.title);
  o << "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
    << "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
    << "<meta name=\"generator\" content=\"" << html_escape(opt.generator) << "\">\n"
    << "<title>" << title << "</title>\n<style>" << kStyle << "</style>\n</head>\n<body>\n";

  // Header: when, and the totals.
  o << "<header>\n<h1>" << title << "</h1>\n<p class=\"muted\">As of " << time_el(v.now)
    << " UTC · " << v.queue.size() << " request" << (v.queue.size() == 1 ? "" : "s") << " waiting or running · "
    << v.running.size() << " part" << (v.running.size() == 1 ? "" : "s") << " running";
  if (!plan.items.empty()) o << " · all planned work done by " << time_el(plan.end);
  o << "</p>\n</header>\n<main>\n";

  // The queue.
  o << "<section id=\"queue\">\n<h2>Queue</h2>\n";
  if (v.queue.empty()) {
    o << "<p class=\"empty\">The queue is empty: no request is waiting or running.</p>\n";
  } else {
    o << "<p class=\"muted\">In priority order. Start and finish are estimates from the plan of the queue on "
      << plan.nodes.size() << " node" << (plan.nodes.size() == 1 ? "" : "s")
      << "; they move when requests are added, bumped or finish early or late.</p>\n";
    o << "<div class=\"scroll\"><table class=\"queue cards\">\n<thead><tr><th>#</th><th>Request</th><th>Kind</th>"
         "<th>State</th><th>Part</th><th>Hours</th><th>Start</th><th>Finish</th></tr></thead>\n<tbody>\n";
    for (const auto& r : v.queue) {
      const Entry& e = *r.entry;
      std::string finish = r.finish ? time_el(r.finish)
                                    : "<span class=\"muted\">not planned</span><span class=\"sub\">" +
                                          html_escape(r.not_planned) + "</span>";
      o << "<tr data-id=\"" << html_escape(e.id) << "\" data-position=\"" << r.position << "\">"
        << td("n lead pos", "", std::to_string(r.position))
        << td("req", "", "<span class=\"sub\">" + html_escape(e.id) + "</span>" + request_cell(e, opt))
        << td("", "Kind", html_escape(e.kind)) << td("", "", state_badge(queue::request_state(e)))
        << td("n", "Part", std::to_string(r.part) + "/" + std::to_string(e.parts.size()))
        << td("n", "Hours", html_escape(queue::format_hours(r.hours))) << td("t", "Start", time_el(r.start))
        << td("t", "Finish", finish) << "</tr>\n";
    }
    o << "</tbody>\n</table></div>\n";
  }
  o << "</section>\n";

  // Running parts.
  o << "<section id=\"running\">\n<h2>Running</h2>\n";
  if (v.running.empty()) {
    o << "<p class=\"empty\">Nothing is running.</p>\n";
  } else {
    o << "<div class=\"scroll\"><table class=\"running cards\">\n<thead><tr><th>Part</th><th>Request</th>"
         "<th>Target</th><th>Started</th><th>Est. end</th><th>Run</th></tr></thead>\n<tbody>\n";
    for (const auto& r : v.running) {
      const Entry& e = *r.entry;
      std::string run;
      if (!r.run_url.empty())
        run = link_or_text(r.run_url, "GitHub run") + (r.run_status.empty() ? "" : " (" + html_escape(r.run_status) + ")");
      else if (r.dispatched)
        run = "<span class=\"muted\">dispatched to GitHub Actions, run not matched yet</span>";
      else
        run = "<span class=\"muted\">started by a maintainer</span>";
      o << "<tr data-id=\"" << html_escape(e.id) << "\" data-part=\"" << r.part << "\">"
        << td("lead", "", "<strong>" + html_escape(part_label(e, r.part)) + "</strong>")
        << td("req", "", request_cell(e, opt)) << td("", "Target", html_escape(r.target))
        << td("t", "Started", time_el(r.started))
        << td("t", "Est. end", time_el(r.end) + (r.overdue ? " " + state_badge("overdue") : ""))
        << td("", "", run) << "</tr>\n";
    }
    o << "</tbody>\n</table></div>\n";
  }
  o << "</section>\n";

  // The timeline: one lane (one SVG) per planned node, on a shared time axis.
  o << "<section id=\"timeline\">\n<h2>Timeline</h2>\n";
  Timeline tl;
  tl.t0 = v.now;
  tl.t1 = std::max(plan.end, v.now);
  for (const auto& it : plan.items) tl.t0 = std::min(tl.t0, it.start);
  // At least 4 hours shown, with a little room on both sides.
  const Time span = std::max<Time>(tl.t1 - tl.t0, 4 * 3600);
  tl.t1 = tl.t0 + span + span / 20;
  tl.t0 -= span / 40;
  Time step = 3600;
  const auto tick_at = ticks(tl.t0, tl.t1, step);
  o << "<p class=\"legend\">One lane per node of the plan, times in UTC:<span class=\"sw sw-run\"></span>running"
       "<span class=\"sw sw-over\"></span>running past its estimate<span class=\"sw sw-plan\"></span>planned"
       "<span class=\"sw sw-now\"></span>now</p>\n";
  for (const auto& n : plan.nodes) {
    std::vector<const PlanItem*> items;
    Time busy = 0;
    for (const auto& it : plan.items)
      if (it.node == n.name) {
        items.push_back(&it);
        busy = std::max(busy, it.end);
      }
    o << "<figure class=\"lane\" data-node=\"" << html_escape(n.name) << "\">\n<h3>" << html_escape(n.name)
      << (n.name != n.target ? " <span class=\"muted\">(" + html_escape(n.target) + ")</span>" : "")
      << " <span class=\"muted\">· " << items.size() << " part" << (items.size() == 1 ? "" : "s");
    if (!items.empty()) o << ", busy until " << time_el(busy);
    o << "</span></h3>\n" << svg_lane(tl, tick_at, step, n, items, v.now) << "\n</figure>\n";
  }
  if (plan.nodes.empty()) o << "<p class=\"empty\">No node to plan on.</p>\n";
  o << "</section>\n";

  // Recent done and failed parts.
  o << "<section id=\"recent\">\n<h2>Recently finished</h2>\n";
  if (v.ended_total == 0) {
    o << "<p class=\"empty\">No part has finished yet.</p>\n";
  } else if (v.recent.empty()) {
    o << "<p class=\"muted\">" << v.ended_total << " done or failed part" << (v.ended_total == 1 ? "" : "s")
      << " (none listed).</p>\n";
  } else {
    if (v.recent.size() == v.ended_total)
      o << "<p class=\"muted\">All " << v.ended_total << " done or failed part" << (v.ended_total == 1 ? "" : "s")
        << ", newest first.</p>\n";
    else
      o << "<p class=\"muted\">The " << v.recent.size() << " latest of " << v.ended_total
        << " done or failed parts, newest first.</p>\n";
    o << "<div class=\"scroll\"><table class=\"recent cards\">\n<thead><tr><th>Part</th><th>Request</th>"
         "<th>State</th><th>Finished</th><th>Hours</th><th>Estimate</th><th>Run</th></tr></thead>\n<tbody>\n";
    for (const auto& x : v.recent) {
      const Entry& e = *x.entry;
      const std::string run =
          x.run_url.empty() ? "<span class=\"muted\">recorded by a maintainer</span>"
                            : link_or_text(x.run_url, "GitHub run") +
                                  (x.conclusion.empty() ? "" : " (" + html_escape(x.conclusion) + ")");
      o << "<tr data-id=\"" << html_escape(e.id) << "\" data-part=\"" << x.part << "\">"
        << td("lead", "", "<strong>" + html_escape(part_label(e, x.part)) + "</strong>")
        << td("req", "", request_cell(e, opt)) << td("", "", state_badge(queue::to_string(x.state)))
        << td("t", "Finished", time_el(x.finished)) << td("n", "Hours", html_escape(queue::format_hours(x.real_hours)))
        << td("n", "Estimate",
              html_escape(queue::format_hours(x.estimate)) + " <span class=\"muted\">on " + html_escape(x.target) +
                  "</span>")
        << td("", "", run) << "</tr>\n";
    }
    o << "</tbody>\n</table></div>\n";
  }
  o << "</section>\n</main>\n";

  o << "<footer>\n<p>Generated by " << html_escape(opt.generator) << " at " << time_el(v.now)
    << " UTC from the queue and its plan (<code>rwkvq queue plan</code>). Shown: what the pull requests show "
       "(handle, title, folder, pull request), kind, estimated and real hours, states and the GitHub run links. "
       "Not shown: the maintainers' machines, node names and folders, who made each change, and their notes."
       "</p>\n</footer>\n</body>\n</html>\n";
  return o.str();
}

}  // namespace rwkvq
