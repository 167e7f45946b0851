#include <catch2/catch.hpp>

#include <chrono>
#include <string>

#include "rwkvq/request/config.h"

using namespace rwkvq;

namespace {

const char* const kConfig = R"(# comment
seed_everything: true
trainer:
  devices: auto
  num_nodes: 1
  strategy: deepspeed_stage_1
  precision: bf16
  callbacks:
    class_path: lightning.pytorch.callbacks.ModelCheckpoint
    init_args:
      dirpath: ../checkpoint/run/
      filename: null
  max_epochs: 1
  max_steps: -1
  target_batch_size: 32
  microbatch_size: 1e0
model:
  load_model: ../model/init.pth
  ctx_len: 4096
  n_layer: not-a-number
data:
  data_path: ../datapath/run/
  source: "c-s-ale/dolly-15k-instruction-alpaca-format"
  source_data_dir: null
  tokenizer: world
  multi_column_keys: ['instruction', 'input']
)";

Override ov(std::string key, std::string value, int line, bool unknown = false) {
  Override o;
  o.key = std::move(key);
  o.value = std::move(value);
  o.unknown = unknown;
  o.loc.file = "training-notebook.ipynb";
  o.loc.line = line;
  o.loc.cell = 3;
  return o;
}

}  // namespace

TEST_CASE("config: keys are flattened with their locations", "[config]") {
  ConfigFile cf = parse_config("training-config.yaml", kConfig);
  REQUIRE_FALSE(cf.error);
  CHECK(cf.rel == "training-config.yaml");
  CHECK(cf.is_training_config);
  CHECK(cf.bad_sections.empty());

  const ConfigEntry* e = cf.find("trainer.callbacks.init_args.dirpath");
  REQUIRE(e);
  CHECK(e->kind == ConfigEntry::Kind::Scalar);
  CHECK(e->value == "../checkpoint/run/");
  CHECK(e->loc.file == "training-config.yaml");
  CHECK(e->loc.line == 11);
  CHECK(e->loc.column == 7);

  CHECK(cf.find("trainer")->kind == ConfigEntry::Kind::Map);
  CHECK(cf.find("trainer")->loc.line == 3);
  CHECK(cf.find("trainer")->loc.column == 1);
  CHECK(cf.find("trainer.callbacks.init_args.filename")->kind == ConfigEntry::Kind::Null);
  CHECK(cf.find("data.multi_column_keys")->kind == ConfigEntry::Kind::Sequence);
  const ConfigEntry* item = cf.find("data.multi_column_keys[1]");
  REQUIRE(item);
  CHECK(item->value == "input");
  CHECK(item->loc.line == 26);
  CHECK(item->loc.column == 38);
  CHECK(cf.find("model.nope") == nullptr);
  // Document order.
  REQUIRE(cf.entries.size() > 3);
  CHECK(cf.entries[0].key == "seed_everything");
  CHECK(cf.entries[1].key == "trainer");
  CHECK(cf.entries[2].key == "trainer.devices");
}

TEST_CASE("config: YAML errors carry yaml-cpp's position, 1-based", "[config]") {
  ConfigFile cf = parse_config("c.yaml", "trainer:\n  a: [1, 2\n  b: 3\nmodel: {\n");
  REQUIRE(cf.error);
  CHECK(cf.error->line >= 2);
  CHECK(cf.error->column >= 1);
  CHECK_FALSE(cf.error->message.empty());
  CHECK(cf.entries.empty());

  ConfigFile bad_indent = parse_config("c.yaml", "trainer:\n  a: 1\n b: 2\n");
  REQUIRE(bad_indent.error);
  CHECK(bad_indent.error->line == 3);
  CHECK(bad_indent.error->column == 2);

  ConfigFile map_value = parse_config("c.yaml", "a: b: c\n");
  REQUIRE(map_value.error);
  CHECK(map_value.error->line == 1);
  CHECK(map_value.error->column == 5);

  // Duplicate keys: the last one wins, as in the trainer's loader.
  ConfigFile dup = parse_config("c.yaml", "trainer:\n  max_epochs: 1\n  max_epochs: 2\n");
  REQUIRE_FALSE(dup.error);
  CHECK(dup.find("trainer.max_epochs")->value == "2");
}

TEST_CASE("config: empty file and top level not a mapping", "[config]") {
  ConfigFile empty = parse_config("c.yaml", "");
  REQUIRE(empty.error);
  CHECK(empty.error->message.find("empty config") != std::string::npos);
  ConfigFile comments = parse_config("c.yaml", "# only a comment\n");
  REQUIRE(comments.error);
  CHECK(comments.error->message.find("empty config") != std::string::npos);

  ConfigFile list = parse_config("c.yaml", "- trainer\n- model\n");
  REQUIRE(list.error);
  CHECK(list.error->message.find("not a mapping") != std::string::npos);
  CHECK(list.error->line == 1);
  ConfigFile scalar = parse_config("c.yaml", "\n\nhello\n");
  REQUIRE(scalar.error);
  CHECK(scalar.error->line == 3);
  CHECK_FALSE(list.is_training_config);
}

TEST_CASE("config: BOM and CRLF", "[config]") {
  ConfigFile cf = parse_config("c.yaml", "\xEF\xBB\xBFtrainer:\r\n  max_epochs: 3\r\nmodel:\r\n  ctx_len: 512\r\n");
  REQUIRE_FALSE(cf.error);
  REQUIRE(cf.find("trainer.max_epochs"));
  CHECK(cf.find("trainer.max_epochs")->value == "3");
  CHECK(cf.find("model.ctx_len")->loc.line == 4);
  CHECK(cf.find("model.ctx_len")->loc.column == 3);
  CHECK(cf.find("trainer")->loc.column == 1);
}

TEST_CASE("config: an alias bomb stops quickly with an error", "[config]") {
  const char* bomb = R"(a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
)";
  auto t0 = std::chrono::steady_clock::now();
  ConfigFile cf = parse_config("bomb.yaml", bomb);
  auto ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  REQUIRE(cf.error);
  CHECK(cf.error->message.find("too many keys (YAML aliases?)") != std::string::npos);
  CHECK(cf.error->line >= 1);
  CHECK(cf.entries.size() <= 20000);  // the cap is what stops the bomb (9^9 entries without it)
  CHECK(ms < 5000);  // a hang guard, not a speed test: 1.004 s under ASan on a loaded machine

  // Deep nesting through yaml-cpp itself is a parse error, not a stack overflow.
  ConfigFile deep = parse_config("deep.yaml", "a: " + std::string(100000, '['));
  CHECK(deep.error);

  // A normal anchor/alias is expanded.
  ConfigFile ok = parse_config("ok.yaml", "x: &p ../checkpoint/a\ntrainer:\n  callbacks:\n    init_args:\n      dirpath: *p\n");
  REQUIRE_FALSE(ok.error);
  CHECK(ok.find("trainer.callbacks.init_args.dirpath")->value == "../checkpoint/a");
}

TEST_CASE("config: sections of the wrong type", "[config]") {
  ConfigFile cf = parse_config("c.yaml", "trainer:\n  max_epochs: 1\nmodel: 3\ndata: [a, b]\n");
  REQUIRE_FALSE(cf.error);
  CHECK(cf.is_training_config);
  REQUIRE(cf.bad_sections.size() == 2);
  CHECK(cf.bad_sections[0].key == "model");
  CHECK(cf.bad_sections[0].kind == ConfigEntry::Kind::Scalar);
  CHECK(cf.bad_sections[0].value == "3");
  CHECK(cf.bad_sections[0].loc.line == 3);
  CHECK(cf.bad_sections[1].key == "data");
  CHECK(cf.bad_sections[1].kind == ConfigEntry::Kind::Sequence);

  ConfigFile null_section = parse_config("c.yaml", "trainer:\n  max_epochs: 1\ndata:\n");
  REQUIRE_FALSE(null_section.error);
  CHECK(null_section.bad_sections.empty());
}

TEST_CASE("config: a datapack config is not a training config", "[config]") {
  ConfigFile cf = parse_config("datapack.yaml", "datapack:\n  output_dir: ../datapath/x\ndefault:\n  tokenizer: world\ndataset:\n  - source: x\n");
  REQUIRE_FALSE(cf.error);
  CHECK_FALSE(cf.is_training_config);
  CHECK(cf.find("dataset[0].source")->value == "x");
  ConfigFile other = parse_config("other.yaml", "foo: 1\n");
  CHECK_FALSE(other.is_training_config);
}

TEST_CASE("config: effective values come from the YAML with their origins", "[config]") {
  ConfigFile cf = parse_config("training-config.yaml", kConfig);
  REQUIRE_FALSE(cf.error);
  EffectiveConfig ec = effective_config(&cf, {});
  CHECK(ec.max_epochs.value == 1LL);
  CHECK(ec.max_epochs.origin.line == 13);
  CHECK(ec.max_epochs.origin.file == "training-config.yaml");
  CHECK_FALSE(ec.max_epochs.overridden);
  CHECK(ec.max_steps.value == -1LL);
  CHECK(ec.target_batch_size.value == 32LL);
  CHECK(ec.microbatch_size.value == 1LL);  // written as a float
  CHECK_FALSE(ec.accumulate_grad_batches.set());
  CHECK(ec.num_nodes.value == 1LL);
  CHECK(ec.devices.value == std::string("auto"));
  CHECK(ec.strategy.value == std::string("deepspeed_stage_1"));
  CHECK(ec.precision.value == std::string("bf16"));
  CHECK(ec.checkpoint_dirpath.value == std::string("../checkpoint/run/"));
  CHECK(ec.checkpoint_dirpath.origin.line == 11);
  CHECK(ec.load_model.value == std::string("../model/init.pth"));
  CHECK(ec.ctx_len.value == 4096LL);
  CHECK_FALSE(ec.n_layer.set());  // not a number: unset, no crash
  CHECK(ec.n_layer.origin.line == 20);
  CHECK_FALSE(ec.n_embd.set());
  CHECK(ec.data_path.value == std::string("../datapath/run/"));
  CHECK(ec.source.value == std::string("c-s-ale/dolly-15k-instruction-alpaca-format"));
  CHECK_FALSE(ec.source_data_dir.set());
  CHECK(ec.tokenizer.value == std::string("world"));

  EffectiveConfig none = effective_config(nullptr, {});
  CHECK_FALSE(none.max_epochs.set());
  CHECK_FALSE(none.load_model.set());
}

TEST_CASE("config: overrides win, in order, with their origins", "[config]") {
  ConfigFile cf = parse_config("training-config.yaml", kConfig);
  std::vector<Override> ovs = {
      ov("model.load_model", "../model/first.pth", 40),
      ov("model.load_model", "../model/second.pth", 41),
      ov("model.ctx_len", "8192", 42),
      ov("trainer.max_steps", "4e3", 43),
      ov("trainer.callbacks.init_args.dirpath", "../checkpoint/other/", 44),
      ov("data.data_path", "{DATA_DIR}/x", 45, true),
      ov("trainer.precision", "32", 46),
      ov("data.source", "null", 47),
      ov("model.n_embd", "lots", 48),
      ov("trainer.unknown_key", "1", 49),
  };
  EffectiveConfig ec = effective_config(&cf, ovs);
  CHECK(ec.load_model.value == std::string("../model/second.pth"));
  CHECK(ec.load_model.overridden);
  CHECK(ec.load_model.origin.line == 41);
  CHECK(ec.load_model.origin.file == "training-notebook.ipynb");
  CHECK(ec.load_model.origin.cell == 3);
  CHECK(ec.ctx_len.value == 8192LL);
  CHECK(ec.ctx_len.overridden);
  CHECK(ec.max_steps.value == 4000LL);
  CHECK(ec.checkpoint_dirpath.value == std::string("../checkpoint/other/"));
  CHECK(ec.checkpoint_dirpath.origin.line == 44);
  CHECK(ec.data_path.unknown);
  CHECK(ec.data_path.overridden);
  CHECK_FALSE(ec.data_path.set());  // an unresolved value is never invented
  CHECK(ec.precision.value == std::string("32"));
  CHECK_FALSE(ec.source.set());     // explicitly null
  CHECK(ec.source.overridden);
  CHECK_FALSE(ec.n_embd.set());
  CHECK(ec.n_embd.overridden);
  // Untouched keys keep their YAML origin.
  CHECK_FALSE(ec.max_epochs.overridden);
  CHECK(ec.max_epochs.origin.file == "training-config.yaml");

  // Overrides apply without a config file too.
  EffectiveConfig only = effective_config(nullptr, {ov("--model.ctx_len", "1_024", 5)});
  CHECK(only.ctx_len.value == 1024LL);
}

TEST_CASE("config: checkpoint dirpath from a list of callbacks", "[config]") {
  ConfigFile cf = parse_config("c.yaml", R"(trainer:
  callbacks:
    - class_path: lightning.pytorch.callbacks.LearningRateMonitor
      init_args:
        dirpath: ../not-this/
    - class_path: lightning.pytorch.callbacks.ModelCheckpoint
      init_args:
        dirpath: ../checkpoint/list/
  devices: [0, 1]
)");
  REQUIRE_FALSE(cf.error);
  EffectiveConfig ec = effective_config(&cf, {});
  CHECK(ec.checkpoint_dirpath.value == std::string("../checkpoint/list/"));
  CHECK(ec.checkpoint_dirpath.origin.line == 8);
  CHECK(ec.devices.value == std::string("[0, 1]"));

  EffectiveConfig ov1 = effective_config(&cf, {ov("trainer.callbacks[1].init_args.dirpath", "../checkpoint/x/", 9)});
  CHECK(ov1.checkpoint_dirpath.value == std::string("../checkpoint/x/"));
  CHECK(ov1.checkpoint_dirpath.overridden);
}
