#pragma once
// The trainer config (Lightning CLI YAML) as a typed structure, and the effective settings of a
// training stage after the notebook's command-line overrides.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "rwkvq/core/finding.h"
#include "rwkvq/request/commands.h"
#include "rwkvq/request/notebook.h"  // ParseError

namespace rwkvq {

// One key of the YAML, flattened: "trainer.max_epochs", "trainer.callbacks.init_args.dirpath"
// (a sequence item is "trainer.callbacks[0].init_args.dirpath").
struct ConfigEntry {
  enum class Kind { Null, Scalar, Map, Sequence };
  std::string key;
  Kind kind = Kind::Null;
  std::string value;  // Scalar: the text; otherwise empty
  Location loc;       // file, line, column of the key
};

struct ConfigFile {
  std::string rel;                  // relative to the request folder
  std::optional<ParseError> error;  // YAML that does not parse, or top level not a mapping
  // A training config has top-level trainer/model/data; the trainer's "datapack" configs
  // (top-level datapack/default/dataset) are not training configs.
  bool is_training_config = false;
  std::vector<ConfigEntry> entries;  // document order; aliases expanded at most once, bounded
  // Section of the wrong type (e.g. `model: 3`): key and location, for config/invalid.
  std::vector<ConfigEntry> bad_sections;

  const ConfigEntry* find(std::string_view key) const;
};

// Never throws. Bounded: alias bombs, deep nesting and huge files yield an error, not a hang.
ConfigFile parse_config(std::string rel, std::string_view text);

// A setting's effective value and where it came from (YAML line or notebook override).
template <class T>
struct Sourced {
  std::optional<T> value;   // nullopt: not set (or explicitly null)
  bool unknown = false;     // set by an override whose value could not be resolved
  bool overridden = false;  // came from the notebook's command line
  Location origin;          // YAML key location, or the notebook line of the override
  bool set() const { return value.has_value(); }
};

// The settings rwkvq's rules and estimates use, after overrides (command line wins).
struct EffectiveConfig {
  // trainer
  Sourced<long long> max_epochs, max_steps, target_batch_size, microbatch_size,
      accumulate_grad_batches, num_nodes;
  Sourced<std::string> devices;    // "auto", "1", "8" ...
  Sourced<std::string> strategy;   // "deepspeed_stage_1" ...
  Sourced<std::string> precision;  // "bf16", "bf16-mixed", "32" ...
  Sourced<std::string> checkpoint_dirpath;  // ModelCheckpoint callback dirpath
  // model
  Sourced<std::string> load_model;
  Sourced<long long> ctx_len, n_layer, n_embd, vocab_size;
  // data
  Sourced<std::string> data_path, source, source_data_dir, tokenizer;
  // The tokens the run trains when its own settings fix them (official trainer: --my_exit_tokens,
  // or the --my_exit epochs); tokens_how says how they were computed.
  Sourced<long long> tokens;
  std::string tokens_how;
  Sourced<long long> grad_cp;  // gradient checkpointing (1 on, 0 off)
};

// `config` may be null (config missing); overrides are applied in order, later wins.
EffectiveConfig effective_config(const ConfigFile* config, const std::vector<Override>& overrides);

}  // namespace rwkvq
