#pragma once
// A check: one small unit with a stable id, registered once (RWKVQ_REGISTER_RULE in its group
// file, src/rules/<group>_rules.cpp). Rules read the Request model only and never print.
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "rwkvq/core/finding.h"
#include "rwkvq/core/settings.h"
#include "rwkvq/request/request.h"

namespace rwkvq {

struct RequestEstimate;  // rwkvq/estimate/estimate.h
struct BranchFacts;      // rwkvq/git/branch.h
namespace net {
struct NetFacts;         // rwkvq/net/lookup.h
}

struct RuleContext {
  const Settings& settings;
  const RequestEstimate* estimate = nullptr;  // for the limits/ rules; null = not estimated
  std::optional<std::string> target;          // --target, when given
  // `validate --pr`: the contributor's branch (the git/* rules); null otherwise.
  const BranchFacts* branch = nullptr;
  std::optional<std::string> pr_title = std::nullopt;  // --title, when given
  // `--online`: the outcomes of the look-ups (the net/* rules); null otherwise.
  const net::NetFacts* net = nullptr;
};

class Rule {
 public:
  virtual ~Rule() = default;
  virtual std::string_view id() const = 0;  // "group/name"
  virtual Severity default_severity() const = 0;
  virtual std::string_view summary() const = 0;  // one line, for `rwkvq rules` / docs
  // Appends findings; the rule fills rule id/severity via make(), location, message and hint.
  virtual void check(const Request& req, const RuleContext& ctx, std::vector<Finding>& out) const = 0;
  // Findings about a branch as a whole (`validate --pr`, git/* rules), located by paths relative
  // to the repository root. Most rules have none.
  virtual void check_branch(const BranchFacts& /*branch*/, const RuleContext& /*ctx*/,
                            std::vector<Finding>& /*out*/) const {}

 protected:
  Finding make(Location loc, std::string message, std::string hint) const {
    return Finding{std::string(id()), default_severity(), std::move(loc), std::move(message),
                   std::move(hint)};
  }
};

// Every registered rule, sorted by id.
const std::vector<const Rule*>& all_rules();
const Rule* find_rule(std::string_view id);

namespace detail {
void register_rule(std::unique_ptr<Rule> rule);
template <class R>
struct RuleRegistrar {
  RuleRegistrar() { register_rule(std::make_unique<R>()); }
};
}  // namespace detail

#define RWKVQ_CONCAT_INNER(a, b) a##b
#define RWKVQ_CONCAT(a, b) RWKVQ_CONCAT_INNER(a, b)
#define RWKVQ_REGISTER_RULE(Class) \
  static const ::rwkvq::detail::RuleRegistrar<Class> RWKVQ_CONCAT(rwkvq_rule_registrar_, __LINE__)

struct CheckOptions {
  bool strict = false;  // warnings become errors
};

// Runs every rule, applies the severity overrides of ctx.settings (and "off"), then --strict,
// and sorts the findings.
std::vector<Finding> run_rules(const Request& req, const RuleContext& ctx, const CheckOptions& opt);
// The same for the findings about a branch as a whole (Rule::check_branch).
std::vector<Finding> run_branch_rules(const BranchFacts& branch, const RuleContext& ctx, const CheckOptions& opt);

}  // namespace rwkvq
