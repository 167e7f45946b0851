#include <catch2/catch.hpp>

#include <regex>
#include <string>
#include <vector>

#include "queue/queue_fixtures.h"
#include "rwkvq/queue/priority.h"
#include "rwkvq/queue/scheduler.h"
#include "rwkvq/report/status_page.h"

using namespace rwkvq;
using namespace rwkvq::queue;

namespace {

PriorityWeights weights() {
  PriorityWeights w;
  w.age = 0;  // deterministic: no age drift
  return w;
}

std::size_t count(const std::string& s, const std::string& what) {
  std::size_t n = 0;
  for (auto at = s.find(what); at != std::string::npos; at = s.find(what, at + what.size())) ++n;
  return n;
}

// The page of a queue planned on `nodes`, as `queue status --html` builds it.
struct Page {
  Queue q;
  Plan plan;
  StatusView view;
  std::string html;
  Page(Queue queue, std::vector<NodeSpec> nodes, Time now = qtest::kT0 + 3600, StatusPageOptions opt = {})
      : q(std::move(queue)) {
    const auto ranked = rank_queue(q, weights(), now);
    plan = plan_queue(q, weights(), nodes, now, now);
    view = make_status_view(q, ranked, plan, now, 3);
    html = render_status_html(view, opt);
  }
};

// data-id of each <tr> of the table with class `table`, in document order.
std::vector<std::string> row_ids(const std::string& html, const std::string& table) {
  const auto from = html.find("<table class=\"" + table + " ");
  if (from == std::string::npos) return {};
  const auto to = html.find("</table>", from);
  const std::string body = html.substr(from, to - from);
  std::vector<std::string> ids;
  static const std::regex tr(R"re(<tr data-id="([^"]*)")re");
  for (auto it = std::sregex_iterator(body.begin(), body.end(), tr); it != std::sregex_iterator(); ++it)
    ids.push_back((*it)[1]);
  return ids;
}

// True when some tag of the page has the attribute (text that merely reads "src=" is no tag).
bool tag_has(const std::string& html, const std::string& attr) {
  const std::regex tag("<[A-Za-z][^<>]*\\s" + attr + "\\s*=", std::regex::icase);
  return std::regex_search(html, tag);
}

}  // namespace

TEST_CASE("html_escape escapes markup, drops control characters, repairs UTF-8", "[report][status]") {
  CHECK(html_escape("<script>alert('x')</script> & \"q\"") ==
        "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;");
  CHECK(html_escape("a\x01\x1b[31mb\tc\n") == "a[31mb\tc\n");
  CHECK(html_escape("caf\xc3\xa9 \xe2\x86\x92 \xf0\x9f\x98\x80") == "caf\xc3\xa9 \xe2\x86\x92 \xf0\x9f\x98\x80");
  CHECK(html_escape("bad \xff\xc3 end") == "bad \xef\xbf\xbd\xef\xbf\xbd end");
  CHECK(html_escape("\xc0\xbc") == "\xef\xbf\xbd\xef\xbf\xbd");   // overlong '<' is not let through
  CHECK(html_escape("\xed\xa0\x80") == "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");  // a surrogate
  CHECK(html_escape("x\xc2\x85y") == "xy");  // C1 control
}

TEST_CASE("safe_link keeps http(s) URLs only", "[report][status]") {
  CHECK(safe_link("https://github.com/o/n/actions/runs/1") == "https://github.com/o/n/actions/runs/1");
  CHECK(safe_link("HTTP://127.0.0.1:80/x") == "HTTP://127.0.0.1:80/x");
  CHECK(safe_link("javascript:alert(1)").empty());
  CHECK(safe_link("data:text/html,<b>").empty());
  CHECK(safe_link("https://x/\"onclick=\"y").empty());
  CHECK(safe_link("https://x/ y").empty());
  CHECK(safe_link("").empty());
}

TEST_CASE("public_folder never shows an absolute path", "[report][status]") {
  Entry e = qtest::make(1, {1.0});
  e.folder = "/home/maint/src/RWKV-infctx-trainer/notebook/community/alpha";
  CHECK(public_folder(e) == "community/alpha");
  e.folder = "/home/maint/requests/beta";
  CHECK(public_folder(e) == "beta");
  e.folder = "/home/maint/requests/beta/";
  CHECK(public_folder(e) == "beta");
  e.folder = "/";
  CHECK(public_folder(e).find('/') == std::string::npos);
}

TEST_CASE("status page: user text is escaped everywhere, nothing private is shown", "[report][status]") {
  Entry evil = qtest::make(1, {2.0, 3.0}, "rwkv-x");
  evil.title = "<script>alert(\"pwn\")</script><img src=https://evil.example/x.png>";
  evil.handle = "@h\"><svg onload=alert(1)>";
  evil.folder = "/home/maintainer/secret/notebook/community/<b>bold</b>";
  evil.pr = 42;
  evil.pr_author = "<i>author</i>";
  evil.parts[0].state = PartState::Running;
  evil.parts[0].node = "gpu-node-secret-17";
  evil.parts[0].ran_on = "1x24vgb";
  evil.parts[0].started = qtest::kT0;
  evil.parts[0].dispatch = DispatchRecord{qtest::kT0, "maintainer-bob", "o/n", "w.yml", "main", {}};
  evil.parts[0].run = RunRecord{7, "javascript:alert(1)", "in_progress", "", qtest::kT0, std::nullopt};
  Entry done = qtest::make(2, {1.0});
  done.title = "fine & dandy";
  done.parts[0].state = PartState::Done;
  done.parts[0].node = "gpu-node-secret-17";
  done.parts[0].started = qtest::kT0 - 7200;
  done.parts[0].finished = qtest::kT0 - 3600;
  done.parts[0].run = RunRecord{8, "https://github.com/o/n/actions/runs/8", "completed", "success", {}, {}};
  done.history.push_back({qtest::kT0, "maintainer-bob", "done", 1, "private note about the node", {}});
  StatusPageOptions opt;
  opt.pr_base = "https://github.com/o/n/pull/";
  const Page p(qtest::queue_of({evil, done}), {{"1x24vgb", 1}}, qtest::kT0 + 3600, opt);
  const std::string& h = p.html;

  // No markup from the queue survives: not in text, not in attributes, not in the SVG titles.
  CHECK(h.find("<script") == std::string::npos);
  CHECK(h.find("<img") == std::string::npos);
  CHECK(!tag_has(h, "onload"));
  CHECK(!tag_has(h, "onmouseover"));
  CHECK(h.find("<b>") == std::string::npos);
  CHECK(h.find("<i>") == std::string::npos);
  CHECK(h.find("javascript:") == std::string::npos);
  CHECK(count(h, "&lt;script&gt;alert(&quot;pwn&quot;)&lt;/script&gt;") >= 3);  // queue, running, timeline
  CHECK(h.find("@h&quot;&gt;&lt;svg onload=alert(1)&gt;") != std::string::npos);
  CHECK(h.find("community/&lt;b&gt;bold&lt;/b&gt;") != std::string::npos);
  CHECK(h.find("fine &amp; dandy") != std::string::npos);
  // Links: the pull request and the https run; the javascript: run URL is plain text, not a link.
  CHECK(h.find("<a href=\"https://github.com/o/n/pull/42\" rel=\"nofollow noopener\">PR #42</a>") != std::string::npos);
  CHECK(h.find("<a href=\"https://github.com/o/n/actions/runs/8\"") != std::string::npos);
  CHECK(count(h, "<a href=") == 3);  // PR #42 in the queue and running tables, run 8
  // Withheld: the local folder, node names, who changed what, notes.
  CHECK(h.find("/home/maintainer") == std::string::npos);
  CHECK(h.find("secret") == std::string::npos);
  CHECK(h.find("gpu-node") == std::string::npos);
  CHECK(h.find("maintainer-bob") == std::string::npos);
  CHECK(h.find("private note") == std::string::npos);
  // Self-contained: nothing is loaded, no script at all.
  CHECK(!tag_has(h, "src"));
  CHECK(tag_has("<img alt=x src=y>", "src"));  // the check itself can fail
  CHECK(h.find("<link") == std::string::npos);
  CHECK(h.find("@import") == std::string::npos);
  CHECK(h.find("url(") == std::string::npos);
  CHECK(h.find("<script") == std::string::npos);
  CHECK(h.find("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">") != std::string::npos);
}

TEST_CASE("status page: rows in priority order with the plan's start and finish", "[report][status]") {
  // r2 (rwkv-x) ranks first, then r3 (short), then r1; two nodes of 1x24vgb and one 8x24vgb.
  Entry r1 = qtest::make(1, {10.0});
  Entry r2 = qtest::make(2, {4.0, 4.0}, "rwkv-x");
  Entry r3 = qtest::make(3, {1.0});
  Entry r4 = qtest::make(4, {std::nullopt});  // no estimate: not planned
  const Page p(qtest::queue_of({r1, r2, r3, r4}), {{"1x24vgb", 2}, {"8x24vgb", 1}});
  const auto ranked = rank_queue(p.q, weights(), qtest::kT0 + 3600);
  std::vector<std::string> expect;
  for (const auto& r : ranked) expect.push_back(r.entry->id);
  REQUIRE(expect.size() == 4);
  CHECK(row_ids(p.html, "queue") == expect);
  for (std::size_t i = 0; i < p.view.queue.size(); ++i) {
    const StatusRow& row = p.view.queue[i];
    CHECK(row.position == static_cast<int>(i) + 1);
    CHECK(p.html.find("data-id=\"" + row.entry->id + "\" data-position=\"" + std::to_string(i + 1) + "\"") !=
          std::string::npos);
    // Start and finish are the plan's: its first item's start, its last item's end.
    std::optional<Time> s, f;
    for (const auto& it : p.plan.items)
      if (it.entry == row.entry) {
        if (!s) s = it.start;
        f = it.end;
      }
    CHECK(row.start == s);
    if (row.entry->id == "r4") {
      CHECK(!row.finish);
      CHECK(row.not_planned == "part 1: no estimate of its hours");
    } else {
      CHECK(row.finish == f);
      REQUIRE(row.finish);
      CHECK(p.html.find("<time datetime=\"" + format_time(*row.finish) + "\">") != std::string::npos);
    }
  }
  // One SVG per node lane, each in its own figure, with a bar per planned part on that node.
  CHECK(count(p.html, "<svg ") == 3);
  CHECK(count(p.html, "</svg>") == 3);
  CHECK(count(p.html, "<figure class=\"lane\"") == 3);
  for (const auto& n : p.plan.nodes) {
    const auto from = p.html.find("<figure class=\"lane\" data-node=\"" + n.name + "\">");
    REQUIRE(from != std::string::npos);
    const std::string lane = p.html.substr(from, p.html.find("</figure>", from) - from);
    std::size_t planned = 0;
    for (const auto& it : p.plan.items) planned += it.node == n.name;
    CHECK(count(lane, "<rect class=\"bar ") == planned);
    CHECK(count(lane, "<line class=\"now\"") == 1);
  }
  CHECK(p.plan.nodes.size() == 3);
  // The same input gives the same bytes.
  CHECK(render_status_html(p.view) == p.html);
}

TEST_CASE("status page: running parts with their runs, recent ones newest first", "[report][status]") {
  std::vector<Entry> es;
  for (int i = 1; i <= 5; ++i) {
    Entry e = qtest::make(i, {1.0});
    e.parts[0].state = i == 3 ? PartState::Failed : PartState::Done;
    e.parts[0].started = qtest::kT0 - 10000 + i * 100;
    e.parts[0].finished = qtest::kT0 - 5000 + i * 100;
    es.push_back(e);
  }
  Entry run = qtest::make(6, {5.0});
  run.parts[0].state = PartState::Running;
  run.parts[0].started = qtest::kT0;
  run.parts[0].dispatch = DispatchRecord{qtest::kT0, "m", "o/n", "w.yml", "main", {}};
  run.parts[0].run = RunRecord{9000, "https://github.com/o/n/actions/runs/9000", "in_progress", "", {}, {}};
  Entry hand = qtest::make(7, {0.5});
  hand.parts[0].state = PartState::Running;
  hand.parts[0].started = qtest::kT0 - 7200;  // past its 30 min estimate
  es.push_back(run);
  es.push_back(hand);
  const Page p(qtest::queue_of(es), {{"1x24vgb", 2}});
  REQUIRE(p.view.running.size() == 2);
  const StatusRun* r6 = p.view.running[0].entry->id == "r6" ? &p.view.running[0] : &p.view.running[1];
  const StatusRun* r7 = r6 == &p.view.running[0] ? &p.view.running[1] : &p.view.running[0];
  CHECK(r6->run_url == "https://github.com/o/n/actions/runs/9000");
  CHECK(r6->end == qtest::kT0 + 5 * 3600);
  CHECK(!r6->overdue);
  CHECK(r7->overdue);
  CHECK(p.html.find("<a href=\"https://github.com/o/n/actions/runs/9000\" rel=\"nofollow noopener\">GitHub run</a>"
                    " (in_progress)") != std::string::npos);
  CHECK(p.html.find("started by a maintainer") != std::string::npos);
  CHECK(p.html.find("class=\"bar overdue\"") != std::string::npos);
  // Recent: 5 ended, the 3 latest shown (the view was asked for 3), newest first.
  CHECK(p.view.ended_total == 5);
  CHECK(row_ids(p.html, "recent") == std::vector<std::string>{"r5", "r4", "r3"});
  CHECK(p.html.find("st st-failed") != std::string::npos);
  CHECK(p.html.find("The 3 latest of 5 done or failed parts") != std::string::npos);
}

TEST_CASE("status page of an empty queue", "[report][status]") {
  const Page p(Queue{}, {{"1x24vgb", 1}});
  CHECK(p.view.queue.empty());
  CHECK(p.html.find("The queue is empty") != std::string::npos);
  CHECK(p.html.find("Nothing is running.") != std::string::npos);
  CHECK(p.html.find("No part has finished yet.") != std::string::npos);
  CHECK(p.html.find("<table") == std::string::npos);
  CHECK(count(p.html, "<svg ") == 1);
  CHECK(p.html.find("idle: nothing planned") != std::string::npos);
  CHECK(p.html.rfind("</html>\n") == p.html.size() - 8);
  // Without a plan at all (no view.plan): still a page.
  StatusView bare;
  bare.now = qtest::kT0;
  const std::string h = render_status_html(bare);
  CHECK(h.find("No node to plan on.") != std::string::npos);
  CHECK(h.find("<svg") == std::string::npos);
}
