// net/: the online checks (DESIGN §9). The look-ups are made before the rules run (net/lookup.h,
// `--online`), and their outcomes are handed over in RuleContext::net; these rules only judge
// them, so without --online they find nothing and never touch the network.
#include <string>

#include "rwkvq/net/lookup.h"
#include "rwkvq/rules/rule.h"

namespace rwkvq {
namespace {

using net::Lookup;
using net::LookupKind;
using net::Outcome;

std::string named(const Lookup& l) {
  std::string s = l.what + " '" + l.subject + "'";
  if (l.url != l.subject && !l.url.empty()) s += " (asked at " + l.url + ")";
  return s;
}

// One rule per meaning; `wants` says which look-ups it judges.
class NetRule : public Rule {
 public:
  void check(const Request& /*req*/, const RuleContext& ctx, std::vector<Finding>& out) const override {
    if (!ctx.net) return;
    for (const auto& l : ctx.net->lookups)
      if (wants(l)) out.push_back(make(l.loc, message(l), hint(l)));
  }

 protected:
  virtual bool wants(const Lookup& l) const = 0;
  virtual std::string message(const Lookup& l) const = 0;
  virtual std::string hint(const Lookup& l) const = 0;
};

class ModelMissing : public NetRule {
 public:
  std::string_view id() const override { return "net/model-missing"; }
  Severity default_severity() const override { return Severity::Error; }
  std::string_view summary() const override {
    return "--online: a model the notebook downloads (URL or Hugging Face model id) does not exist";
  }

 protected:
  bool wants(const Lookup& l) const override { return l.kind == LookupKind::Model && l.outcome == Outcome::Missing; }
  std::string message(const Lookup& l) const override { return "the model " + named(l) + " does not exist: " + l.detail; }
  std::string hint(const Lookup&) const override {
    return "check the repository id, file name and revision on huggingface.co; the runner would fail here";
  }
};

class DatasetMissing : public NetRule {
 public:
  std::string_view id() const override { return "net/dataset-missing"; }
  Severity default_severity() const override { return Severity::Error; }
  std::string_view summary() const override {
    return "--online: data.source (a Hugging Face dataset id) or a dataset URL does not exist";
  }

 protected:
  bool wants(const Lookup& l) const override {
    return l.kind == LookupKind::Dataset && l.outcome == Outcome::Missing;
  }
  std::string message(const Lookup& l) const override {
    return "the dataset " + named(l) + " does not exist: " + l.detail;
  }
  std::string hint(const Lookup&) const override {
    return "upload the dataset to the Hugging Face Hub (public) and use its exact id (user/name)";
  }
};

class UrlBroken : public NetRule {
 public:
  std::string_view id() const override { return "net/url-broken"; }
  Severity default_severity() const override { return Severity::Error; }
  std::string_view summary() const override {
    return "--online: a download URL (neither model nor dataset) answers 4xx/5xx after retries";
  }

 protected:
  bool wants(const Lookup& l) const override {
    return l.outcome == Outcome::Broken || (l.kind == LookupKind::Other && l.outcome == Outcome::Missing);
  }
  std::string message(const Lookup& l) const override { return "the " + named(l) + " answers " + l.detail; }
  std::string hint(const Lookup&) const override {
    return "fix or replace the link: the notebook downloads it on the runner";
  }
};

class Gated : public NetRule {
 public:
  std::string_view id() const override { return "net/gated"; }
  Severity default_severity() const override { return Severity::Warning; }
  std::string_view summary() const override {
    return "--online: a gated or private repository; the runner's token may not have access";
  }

 protected:
  bool wants(const Lookup& l) const override { return l.outcome == Outcome::Gated; }
  std::string message(const Lookup& l) const override {
    return "the " + named(l) + " is gated or private (" + l.detail + ")";
  }
  std::string hint(const Lookup&) const override {
    return "make it public, or make sure the programme's runner has been granted access";
  }
};

class Unreachable : public NetRule {
 public:
  std::string_view id() const override { return "net/unreachable"; }
  Severity default_severity() const override { return Severity::Warning; }
  std::string_view summary() const override {
    return "--online: no answer (DNS, timeout, TLS): rwkvq cannot tell whether it exists";
  }

 protected:
  bool wants(const Lookup& l) const override { return l.outcome == Outcome::Unreachable; }
  std::string message(const Lookup& l) const override {
    return "could not check the " + named(l) + ": " + l.detail;
  }
  std::string hint(const Lookup&) const override {
    return "rwkvq cannot tell whether it exists; try again later (--refresh), or check the host";
  }
};

}  // namespace

RWKVQ_REGISTER_RULE(ModelMissing);
RWKVQ_REGISTER_RULE(DatasetMissing);
RWKVQ_REGISTER_RULE(UrlBroken);
RWKVQ_REGISTER_RULE(Gated);
RWKVQ_REGISTER_RULE(Unreachable);

}  // namespace rwkvq
