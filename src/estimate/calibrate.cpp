// Utilisation measured from executed notebooks: see include/rwkvq/estimate/calibrate.h.
#include "rwkvq/estimate/calibrate.h"

#include <algorithm>
#include <cctype>
#include <map>

#include "rwkvq/estimate/estimate.h"
#include "rwkvq/util/strings.h"

namespace rwkvq {

namespace {

constexpr long long kDefaultCtxLen = 2048;  // the infctx trainer's default (as in estimate.cpp)

bool digit(char c) { return c >= '0' && c <= '9'; }

// Reads digits at i; nullopt when none (i unchanged then).
std::optional<long long> read_int(std::string_view s, std::size_t& i) {
  const std::size_t b = i;
  long long v = 0;
  while (i < s.size() && digit(s[i]) && i - b < 15) v = v * 10 + (s[i++] - '0');
  if (i == b) return std::nullopt;
  return v;
}

// "2:34:08" or "15:14" -> seconds.
std::optional<double> read_elapsed(std::string_view s, std::size_t& i) {
  double total = 0;
  int fields = 0;
  for (;;) {
    auto v = read_int(s, i);
    if (!v) return std::nullopt;
    total = total * 60 + static_cast<double>(*v);
    ++fields;
    if (i < s.size() && s[i] == ':' && fields < 4) {
      ++i;
      continue;
    }
    break;
  }
  if (fields < 2) return std::nullopt;
  return total;
}

// One progress bar at `at` ("Epoch e: ...%|...| done/total [elapsed<"): epoch, done, seconds.
struct Bar {
  long long epoch = 0, done = 0;
  double seconds = 0;
};
std::optional<Bar> read_bar(std::string_view s, std::size_t at) {
  std::size_t i = at + 6;  // "Epoch "
  Bar b;
  auto e = read_int(s, i);
  if (!e || i >= s.size() || s[i] != ':') return std::nullopt;
  b.epoch = *e;
  ++i;
  while (i < s.size() && s[i] == ' ') ++i;
  if (!read_int(s, i) || i >= s.size() || s[i] != '%') return std::nullopt;
  ++i;
  if (i >= s.size() || s[i] != '|') return std::nullopt;
  const std::size_t close = s.find('|', i + 1);
  if (close == std::string_view::npos || close - i > 400) return std::nullopt;
  i = close + 1;
  while (i < s.size() && s[i] == ' ') ++i;
  auto done = read_int(s, i);
  if (!done || i >= s.size() || s[i] != '/') return std::nullopt;
  ++i;
  if (!read_int(s, i) || i + 1 >= s.size() || s[i] != ' ' || s[i + 1] != '[') return std::nullopt;
  i += 2;
  auto el = read_elapsed(s, i);
  if (!el || i >= s.size() || s[i] != '<') return std::nullopt;
  b.done = *done;
  b.seconds = *el;
  return b;
}

}  // namespace

TrainingLog parse_training_log(std::string_view s) {
  TrainingLog log;
  // GPUs: "MEMBER: k/N"
  for (std::size_t at = s.find("MEMBER: "); at != std::string_view::npos; at = s.find("MEMBER: ", at + 1)) {
    std::size_t i = at + 8;
    if (!read_int(s, i) || i >= s.size() || s[i] != '/') continue;
    ++i;
    if (auto n = read_int(s, i); n && *n > 0 && *n <= 100000)
      log.gpus = std::max(log.gpus.value_or(0), static_cast<int>(*n));
  }
  // Progress: per epoch, the bar with the most batches done (the last state of that epoch).
  std::map<long long, Bar> last;
  for (std::size_t at = s.find("Epoch "); at != std::string_view::npos; at = s.find("Epoch ", at + 1)) {
    auto b = read_bar(s, at);
    if (!b) continue;
    auto it = last.find(b->epoch);
    if (it == last.end() || b->done >= it->second.done) last[b->epoch] = *b;
  }
  for (const auto& [e, b] : last) {
    log.batches += b.done;
    log.seconds += b.seconds;
  }
  log.epochs = static_cast<int>(last.size());
  // The model summary: "533 M     Total params" (Lightning; units K, M, B, T).
  const std::string_view key = "Total params";
  for (std::size_t at = s.find(key); at != std::string_view::npos; at = s.find(key, at + 1)) {
    std::size_t j = at;
    while (j > 0 && s[j - 1] == ' ') --j;
    double mult = 1;
    if (j > 0 && std::isalpha(static_cast<unsigned char>(s[j - 1]))) {
      switch (s[j - 1]) {
        case 'K': mult = 1e3; break;
        case 'M': mult = 1e6; break;
        case 'B': mult = 1e9; break;
        case 'T': mult = 1e12; break;
        default: continue;
      }
      --j;
      while (j > 0 && s[j - 1] == ' ') --j;
    }
    std::size_t b = j;
    while (b > 0 && (digit(s[b - 1]) || s[b - 1] == '.' || s[b - 1] == ',')) --b;
    if (b == j) continue;
    std::string num;
    for (char c : s.substr(b, j - b))
      if (c != ',') num += c;
    try {
      const double v = std::stod(num) * mult;
      if (v > 0) log.params = v;  // the last summary wins (a cell may train twice)
    } catch (const std::exception&) {
    }
  }
  return log;
}

std::optional<std::string> gpu_from_text(std::string_view text) {
  static const std::pair<const char*, const char*> kinds[] = {
      {"3090", "rtx3090"}, {"4090", "rtx4090"}, {"A100", "a100-80"}, {"H100", "h100"}, {"L40S", "l40s"}, {"L40", "l40"},
      {"a100", "a100-80"}, {"h100", "h100"}};
  // "<digits>x<kind>"
  for (std::size_t i = 1; i + 1 < text.size(); ++i) {
    if ((text[i] != 'x' && text[i] != 'X') || !digit(text[i - 1])) continue;
    const std::string_view rest = text.substr(i + 1);
    for (const auto& [k, name] : kinds)
      if (starts_with(rest, k)) return std::string(name);
  }
  return std::nullopt;
}

double median_of(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

std::vector<CalibrationRun> calibrate_notebook(const Request& req, int ni, const Notebook& executed,
                                               const Settings& settings, const std::string& gpu_given) {
  std::vector<CalibrationRun> runs;
  if (ni < 0 || ni >= static_cast<int>(req.notebooks.size())) return runs;
  const NotebookProgram& nb = req.notebooks[static_cast<std::size_t>(ni)];
  // The estimate's parameters, for stages whose output has no model summary.
  const RequestEstimate est = estimate_request(req, settings, {});
  const PartEstimate* part = nullptr;
  for (const auto& p : est.parts)
    if (p.notebook == ni) part = &p;

  std::string gpu = gpu_given;
  if (gpu.empty()) {
    if (auto g = gpu_from_text(nb.notebook.rel)) gpu = *g;
    // The run's name ("(8x3090) TokenShift-A") in the cells or in their outputs (wandb's
    // "Syncing run …").
    for (std::size_t c = 0; gpu.empty() && c < executed.cells.size(); ++c) {
      for (const auto& l : executed.cells[c].lines)
        if (auto g = gpu_from_text(l.text)) {
          gpu = *g;
          break;
        }
      if (gpu.empty())
        if (auto g = gpu_from_text(executed.cells[c].output_text)) gpu = *g;
    }
  }
  const GpuSpec* spec = gpu.empty() ? nullptr : settings.gpu(gpu);

  for (int si = 0; si < static_cast<int>(nb.stages.size()); ++si) {
    const Stage& st = nb.stages[static_cast<std::size_t>(si)];
    CalibrationRun r;
    r.notebook = nb.notebook.rel;
    r.gpu = spec ? spec->name : "";
    if (st.command_index >= 0 && st.command_index < static_cast<int>(nb.commands.size()))
      r.cell = nb.commands[static_cast<std::size_t>(st.command_index)].loc.cell;
    const Cell* cell = nullptr;
    for (const auto& c : executed.cells)
      if (c.number == r.cell) cell = &c;
    if (cell) r.log = parse_training_log(cell->output_text);
    const auto& c = st.config;
    if (c.ctx_len.value && *c.ctx_len.value > 0 && !c.ctx_len.unknown) {
      r.ctx_len = *c.ctx_len.value;
    } else {
      r.ctx_len = kDefaultCtxLen;
      r.ctx_assumed = true;
    }
    if (c.microbatch_size.value && *c.microbatch_size.value > 0 && !c.microbatch_size.unknown)
      r.microbatch = *c.microbatch_size.value;
    if (r.log.params) {
      r.params = r.log.params;
      r.params_source = "model summary in the output";
    } else if (part && si < static_cast<int>(part->stages.size()) && part->stages[static_cast<std::size_t>(si)].params.value) {
      r.params = static_cast<double>(*part->stages[static_cast<std::size_t>(si)].params.value);
      r.params_source = part->stages[static_cast<std::size_t>(si)].params.source;
    } else {
      r.params_source = "unknown";
    }
    if (!cell || cell->output_text.empty()) r.skipped = "no output (not executed, or outputs cleared)";
    else if (!r.log.gpus) r.skipped = "no \"MEMBER: k/N\" line: GPU count unknown";
    else if (r.log.epochs == 0) r.skipped = "no progress bar";
    else if (r.log.batches < kCalibrateMinBatches || r.log.seconds < kCalibrateMinSeconds)
      r.skipped = "too short to measure (under 50 batches or 10 minutes: start-up dominates)";
    else if (!r.params) r.skipped = "parameters unknown";
    else if (r.ctx_assumed) r.skipped = "model.ctx_len unknown (its config is not beside the notebook): tokens cannot be counted";
    if (r.skipped.empty()) {
      const int g = *r.log.gpus;
      r.tokens = static_cast<double>(r.log.batches) * static_cast<double>(r.microbatch) * g * static_cast<double>(r.ctx_len);
      r.flops = 6.0 * *r.params * r.tokens;
      r.tflops_per_gpu = r.flops / r.log.seconds / g / 1e12;
      if (spec && spec->bf16_tflops > 0) r.utilisation = *r.tflops_per_gpu / spec->bf16_tflops;
    }
    runs.push_back(std::move(r));
  }
  return runs;
}

}  // namespace rwkvq
