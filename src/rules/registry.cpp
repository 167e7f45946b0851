#include <algorithm>

#include "rwkvq/rules/rule.h"

namespace rwkvq {
namespace {
std::vector<std::unique_ptr<Rule>>& storage() {
  static std::vector<std::unique_ptr<Rule>> rules;
  return rules;
}
}  // namespace

void detail::register_rule(std::unique_ptr<Rule> rule) { storage().push_back(std::move(rule)); }

const std::vector<const Rule*>& all_rules() {
  static const std::vector<const Rule*> sorted = [] {
    std::vector<const Rule*> v;
    for (auto& r : storage()) v.push_back(r.get());
    std::sort(v.begin(), v.end(), [](const Rule* a, const Rule* b) { return a->id() < b->id(); });
    return v;
  }();
  return sorted;
}

const Rule* find_rule(std::string_view id) {
  for (const Rule* r : all_rules())
    if (r->id() == id) return r;
  return nullptr;
}

namespace {
// rwkvq.yaml's severity overrides (and "off"), then --strict.
void settle(const Rule* rule, std::vector<Finding>& found, const RuleContext& ctx, const CheckOptions& opt,
            std::vector<Finding>& out) {
  auto ov = ctx.settings.rules.find(std::string(rule->id()));
  for (auto& f : found) {
    if (ov != ctx.settings.rules.end()) {
      if (ov->second.off) continue;
      // Only the rule's main severity is overridden; its secondary notes keep theirs.
      if (f.severity == rule->default_severity()) f.severity = ov->second.severity;
    }
    if (opt.strict && f.severity == Severity::Warning) f.severity = Severity::Error;
    out.push_back(std::move(f));
  }
}
}  // namespace

std::vector<Finding> run_rules(const Request& req, const RuleContext& ctx, const CheckOptions& opt) {
  std::vector<Finding> out;
  for (const Rule* rule : all_rules()) {
    std::vector<Finding> found;
    rule->check(req, ctx, found);
    settle(rule, found, ctx, opt, out);
  }
  sort_findings(out);
  return out;
}

std::vector<Finding> run_branch_rules(const BranchFacts& branch, const RuleContext& ctx, const CheckOptions& opt) {
  std::vector<Finding> out;
  for (const Rule* rule : all_rules()) {
    std::vector<Finding> found;
    rule->check_branch(branch, ctx, found);
    settle(rule, found, ctx, opt, out);
  }
  sort_findings(out);
  return out;
}

}  // namespace rwkvq
