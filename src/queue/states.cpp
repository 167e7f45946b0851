#include "rwkvq/queue/states.h"

#include <charconv>

#include "rwkvq/core/error.h"

namespace rwkvq::queue {

PartRef parse_part_ref(std::string_view text) {
  PartRef ref;
  const auto slash = text.find('/');
  std::string_view id = text.substr(0, slash);
  auto bad = [&] {
    return UsageError("\"" + std::string(text) + "\" is not a request reference (r12 or r12/part2)");
  };
  std::string_view digits = id;
  if (!digits.empty() && (digits[0] == 'r' || digits[0] == 'R')) digits.remove_prefix(1);
  if (digits.empty() || digits.find_first_not_of("0123456789") != std::string_view::npos) throw bad();
  ref.id = "r" + std::string(digits);
  if (slash != std::string_view::npos) {
    std::string_view p = text.substr(slash + 1);
    if (p.substr(0, 4) == "part") p.remove_prefix(4);
    int n = 0;
    auto [ptr, ec] = std::from_chars(p.data(), p.data() + p.size(), n);
    if (p.empty() || ec != std::errc() || ptr != p.data() + p.size() || n < 1) throw bad();
    ref.part = n;
  }
  return ref;
}

namespace {
constexpr std::string_view kActions[] = {"start", "done", "fail", "skip", "reject", "cancel"};
}

std::string_view to_string(Action a) { return kActions[static_cast<int>(a)]; }

std::optional<Action> parse_action(std::string_view s) {
  for (int i = 0; i < 6; ++i)
    if (kActions[i] == s) return static_cast<Action>(i);
  return std::nullopt;
}

std::optional<double> part_hours(const Entry& e, const Part& part, std::string_view target) {
  if (auto it = part.on.find(std::string(target)); it != part.on.end() && it->second.hours)
    return it->second.hours;
  if (target == e.target) return part.hours;
  return std::nullopt;
}

bool part_fits_target(const Entry& e, const Part& part, std::string_view target, std::string* why) {
  if (target == e.target) {
    auto it = part.on.find(e.target);
    if (it == part.on.end() || it->second.fits != false) return true;
  }
  auto it = part.on.find(std::string(target));
  if (it != part.on.end() && it->second.fits == true) return true;
  if (why) {
    if (it != part.on.end() && it->second.fits == false)
      *why = "its estimated memory per GPU does not fit " + std::string(target);
    else
      *why = "it was estimated for " + e.target + ", not " + std::string(target);
  }
  return false;
}

namespace {

Entry& find_entry(Queue& q, std::string_view id) {
  Entry* e = q.find(id);
  if (!e) throw Refused("no request " + std::string(id) + " in the queue");
  return *e;
}

std::string part_name(const Entry& e, int n) {
  return e.id + "/part" + std::to_string(n);
}

void record(Entry& e, const ChangeInfo& info, std::string_view action, int part) {
  HistoryEntry h{info.at.value_or(info.now), info.by, std::string(action), part, info.reason, std::nullopt};
  if (info.at && *info.at != info.now) h.recorded = info.now;
  e.history.push_back(std::move(h));
}

}  // namespace

int apply_action(Queue& q, const PartRef& ref, Action action, const ChangeInfo& info) {
  Entry& e = find_entry(q, ref.id);
  const int cur = current_part(e);
  int idx;
  if (ref.part > 0) {
    if (static_cast<std::size_t>(ref.part) > e.parts.size())
      throw Refused(e.id + " has " + std::to_string(e.parts.size()) + " part(s); there is no part " +
                    std::to_string(ref.part));
    idx = ref.part - 1;
  } else {
    if (cur < 0) throw Refused(e.id + " is done: every part has finished");
    idx = cur;
  }
  Part& p = e.parts[static_cast<std::size_t>(idx)];
  const std::string name = part_name(e, p.n);
  const auto state = p.state;
  auto refuse = [&](const std::string& why) {
    throw Refused("cannot " + std::string(to_string(action)) + " " + name + ": " + why);
  };
  auto state_is = [&](std::initializer_list<PartState> ok) {
    for (auto s : ok)
      if (state == s) return true;
    return false;
  };

  const Time when = info.at.value_or(info.now);
  if (info.at) {
    if (action != Action::Start && action != Action::Done && action != Action::Fail)
      refuse("--at is only for start, done and fail");
    if (*info.at > info.now)
      refuse("--at " + format_time(*info.at) + " is in the future (now is " + format_time(info.now) + ")");
  }
  switch (action) {
    case Action::Start: {
      if (!state_is({PartState::Queued, PartState::Skipped, PartState::Failed}))
        refuse("it is " + std::string(to_string(state)) + " (only a queued, skipped or failed part can start)");
      for (int k = 0; k < idx; ++k) {
        const Part& prev = e.parts[static_cast<std::size_t>(k)];
        if (prev.state != PartState::Done)
          refuse("part " + std::to_string(prev.n) + " is " + std::string(to_string(prev.state)) +
                 "; part " + std::to_string(p.n) + " runs only after it is done");
      }
      if (info.at) {
        if (idx > 0) {
          const Part& prev = e.parts[static_cast<std::size_t>(idx - 1)];
          if (prev.finished && when < *prev.finished)
            refuse("--at " + format_time(when) + " is before part " + std::to_string(prev.n) + " finished (" +
                   format_time(*prev.finished) + ")");
        }
        if (p.finished && when < *p.finished)
          refuse("--at " + format_time(when) + " is before this part last ended (" + format_time(*p.finished) + ")");
      }
      const std::string target = info.target.empty() ? e.target : info.target;
      std::string why;
      if (!part_fits_target(e, p, target, &why)) refuse("it does not fit " + target + ": " + why);
      const std::string node = info.node.empty() ? target : info.node;
      if (!info.node.empty()) {
        for (const auto& other : q.requests)
          for (const auto& op : other.parts)
            if (op.state == PartState::Running && op.node == node)
              refuse("node " + node + " is busy with " + part_name(other, op.n));
      }
      p.state = PartState::Running;
      p.node = node;
      p.ran_on = target;
      p.started = when;
      p.finished.reset();
      p.real_hours.reset();
      ChangeInfo i2 = info;
      if (i2.reason.empty() && target != e.target) i2.reason = "on " + target;
      record(e, i2, "start", p.n);
      return p.n;
    }
    case Action::Done:
    case Action::Fail:
      if (state != PartState::Running)
        refuse("it is " + std::string(to_string(state)) + ", not running (start it first)");
      if (p.started && when < *p.started) {
        if (info.at)
          refuse("--at " + format_time(when) + " is before the part started (" + format_time(*p.started) + ")");
        // Without --at the end is this machine's clock: behind the one that recorded the start
        // (another maintainer's, a runner's), it would record negative hours.
        refuse("it started at " + format_time(*p.started) + ", after this machine's clock (" + format_time(when) +
               "): give the real end with --at");
      }
      p.state = action == Action::Done ? PartState::Done : PartState::Failed;
      p.finished = when;
      if (action == Action::Done && p.started)
        p.real_hours = static_cast<double>(when - *p.started) / 3600.0;
      record(e, info, to_string(action), p.n);
      return p.n;
    case Action::Skip:
      if (!state_is({PartState::Queued, PartState::Skipped, PartState::Failed}))
        refuse("it is " + std::string(to_string(state)) + " (only a queued or failed part can be skipped)");
      if (idx != cur)
        refuse("it is not the request's next part (part " + std::to_string(cur + 1) + " is)");
      p.state = PartState::Skipped;
      e.since = info.now;  // back of the line
      record(e, info, "skip", p.n);
      return p.n;
    case Action::Reject:
    case Action::Cancel: {
      const bool cancel = action == Action::Cancel;
      for (std::size_t k = static_cast<std::size_t>(idx); k < e.parts.size(); ++k) {
        Part& pk = e.parts[k];
        const bool ok = pk.state == PartState::Queued || pk.state == PartState::Skipped ||
                        pk.state == PartState::Failed || (cancel && pk.state == PartState::Running);
        if (k == static_cast<std::size_t>(idx) && !ok) {
          if (pk.state == PartState::Running)
            refuse("it is running (cancel it, or mark it done or failed first)");
          refuse("it is already " + std::string(to_string(pk.state)));
        }
        if (!ok) continue;
        if (pk.state == PartState::Running) pk.finished = info.now;
        pk.state = cancel ? PartState::Cancelled : PartState::Rejected;
      }
      record(e, info, to_string(action), ref.part > 0 ? p.n : 0);
      return p.n;
    }
  }
  return p.n;
}

int bump(Queue& q, std::string_view id, int by_amount, const ChangeInfo& info) {
  Entry& e = find_entry(q, id);
  if (!is_active(e)) throw Refused("cannot bump " + e.id + ": it is " + std::string(request_state(e)));
  const long long nb = static_cast<long long>(e.boost) + by_amount;
  if (nb > 1000000 || nb < -1000000) throw Refused("boost must stay within ±1000000");
  e.boost = static_cast<int>(nb);
  ChangeInfo i2 = info;
  if (i2.reason.empty()) i2.reason = (by_amount >= 0 ? "+" : "") + std::to_string(by_amount) +
                                     " (boost now " + std::to_string(e.boost) + ")";
  record(e, i2, "bump", 0);
  return e.boost;
}

}  // namespace rwkvq::queue
