#pragma once
// Builds Request models by hand for estimate and limits tests (no files, no parser).
#include <string>

#include "rwkvq/request/request.h"

namespace rwkvq::testing {

struct RequestBuilder {
  Request req;
  NotebookProgram* nb = nullptr;

  explicit RequestBuilder(std::string notebook = "training-notebook.ipynb", int part = 0) {
    req.folder.display_path = "notebook/community/test";
    add_notebook(std::move(notebook), part);
  }
  NotebookProgram& add_notebook(std::string rel, int part = 0) {
    NotebookProgram p;
    p.notebook.rel = std::move(rel);
    p.part = part;
    p.request_notebook = true;
    req.notebooks.push_back(std::move(p));
    nb = &req.notebooks.back();
    return *nb;
  }
  Command& command(CommandKind kind, int cell) {
    Command c;
    c.kind = kind;
    c.cwd = "/repo/RWKV-v5";
    c.loc.file = nb->notebook.rel;
    c.loc.cell = cell;
    c.loc.line = cell * 10;
    nb->commands.push_back(c);
    return nb->commands.back();
  }
  Command& init_model(int cell, long long L, long long D, std::optional<long long> V, std::string out) {
    Command& c = command(CommandKind::InitModel, cell);
    c.n_layer = L;
    c.n_embd = D;
    c.vocab_size = V;
    c.output = std::move(out);
    return c;
  }
  Command& download(int cell, std::string url, std::string out) {
    Command& c = command(CommandKind::Download, cell);
    c.url = std::move(url);
    c.output = std::move(out);
    return c;
  }
  Command& exporter(int cell, std::string ckpt, std::string out) {
    Command& c = command(CommandKind::Export, cell);
    c.input = std::move(ckpt);
    c.output = std::move(out);
    return c;
  }
  // A training stage: `load_model` as written (relative to the trainer folder).
  Stage& train(int cell, std::string load_model, long long ctx = 4096, std::string strategy = "deepspeed_stage_2",
               std::optional<long long> max_steps = std::nullopt, long long batch = 8, long long microbatch = 1) {
    command(CommandKind::Train, cell);
    Stage s;
    s.command_index = static_cast<int>(nb->commands.size()) - 1;
    auto& c = s.config;
    c.load_model.value = std::move(load_model);
    c.ctx_len.value = ctx;
    c.strategy.value = std::move(strategy);
    c.precision.value = "bf16";
    c.microbatch_size.value = microbatch;
    c.target_batch_size.value = batch;
    c.max_epochs.value = 1;
    if (max_steps) c.max_steps.value = *max_steps;
    nb->stages.push_back(s);
    return nb->stages.back();
  }
};

}  // namespace rwkvq::testing
