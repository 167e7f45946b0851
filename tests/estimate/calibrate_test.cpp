// rwkvq calibrate: training logs in executed notebooks' outputs (issue 7, point 4).
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "rwkvq/estimate/calibrate.h"
#include "rwkvq/request/notebook.h"
#include "rwkvq/request/request.h"

using namespace rwkvq;
namespace fs = std::filesystem;

namespace {
// What the trainer prints (DeepSpeed, Lightning's summary and progress bars with \r updates).
const char* kLog =
    "initializing deepspeed distributed: GLOBAL_RANK: 0, MEMBER: 1/8\n"
    "initializing deepspeed distributed: GLOBAL_RANK: 7, MEMBER: 8/8\n"
    "  | Name   | Type | Params\n"
    "533 M     Trainable params\n0         Non-trainable params\n533 M     Total params\n"
    "Epoch 0:  10%|\xe2\x96\x88  | 1000/10186 [15:14<2:20:03,  1.09it/s, loss=5.1]\r"
    "Epoch 0: 100%|\xe2\x96\x88| 10186/10186 [2:34:08<00:00,  1.10it/s, loss=3.2]\n"
    "Epoch 1:  50%|#####     | 500/1000 [10:00<10:00,  1.00it/s]\n"
    "Validation: 0it [00:00, ?it/s]\n";
}  // namespace

TEST_CASE("a training log gives GPUs, batches, wall time and the model summary", "[estimate][calibrate]") {
  const TrainingLog log = parse_training_log(kLog);
  REQUIRE(log.gpus);
  CHECK(*log.gpus == 8);
  CHECK(log.epochs == 2);
  CHECK(log.batches == 10186 + 500);
  CHECK(log.seconds == Approx(2 * 3600 + 34 * 60 + 8 + 600));
  REQUIRE(log.params);
  CHECK(*log.params == Approx(533e6));

  const TrainingLog none = parse_training_log("Epoch x: nothing\nMEMBER: /\nTotal params\n");
  CHECK_FALSE(none.gpus);
  CHECK(none.epochs == 0);
  CHECK_FALSE(none.params);
}

TEST_CASE("GPU names in a run's name", "[estimate][calibrate]") {
  CHECK(gpu_from_text("v5-L6-D2048 [8x3090]") == std::optional<std::string>("rtx3090"));
  CHECK(gpu_from_text("runs on 8xA100 nodes") == std::optional<std::string>("a100-80"));
  CHECK(gpu_from_text("8xH100s") == std::optional<std::string>("h100"));
  CHECK_FALSE(gpu_from_text("3090"));
  CHECK_FALSE(gpu_from_text("max 3x faster"));
}

TEST_CASE("the notebook reader keeps outputs only when asked", "[estimate][calibrate]") {
  const std::string nb =
      R"({"nbformat": 4, "cells": [{"cell_type": "code", "source": ["!echo hi"], "outputs": [)"
      R"({"output_type": "stream", "name": "stdout", "text": ["MEMBER: 1/2\n", "more\n"]},)"
      R"({"output_type": "execute_result", "data": {"text/plain": "42", "image/png": "xx"}, "metadata": {}},)"
      R"({"output_type": "error", "ename": "E", "evalue": "v", "traceback": []}, 7]}]})";
  const Notebook plain = parse_notebook("n.ipynb", nb);
  REQUIRE_FALSE(plain.error);
  REQUIRE(plain.cells.size() == 1);
  CHECK(plain.cells[0].output_text.empty());
  NotebookReadOptions o;
  o.outputs = true;
  const Notebook with = parse_notebook("n.ipynb", nb, o);
  REQUIRE_FALSE(with.error);
  CHECK(with.cells[0].output_text == "MEMBER: 1/2\nmore\n42");
  CHECK(with.cells[0].lines.size() == 1);  // the source is read as before
}

TEST_CASE("calibrate on the corpus's executed notebooks", "[corpus][calibrate]") {
  const fs::path corpus = RWKVQ_CORPUS_DIR;
  if (!fs::exists(corpus / "truth.jsonl")) {
    WARN("corpus not found at " << corpus << ": skipped");
    return;
  }
  const Settings s = default_settings();
  std::vector<double> on3090;
  int measured = 0, stages = 0;
  for (const auto& d : fs::directory_iterator(corpus)) {
    if (!d.is_directory()) continue;
    std::vector<fs::path> notebooks;
    for (const auto& f : fs::directory_iterator(d.path()))
      if (f.path().extension() == ".ipynb") notebooks.push_back(f.path());
    if (notebooks.empty()) continue;
    Request req = load_request(d.path().string());
    for (const auto& file : notebooks) {
      std::ifstream in(file, std::ios::binary);
      std::stringstream ss;
      ss << in.rdbuf();
      NotebookReadOptions o;
      o.outputs = true;
      const Notebook executed = parse_notebook(file.filename().string(), ss.str(), o);
      for (int i = 0; i < static_cast<int>(req.notebooks.size()); ++i) {
        if (req.notebooks[static_cast<std::size_t>(i)].notebook.rel != file.filename().string()) continue;
        for (const auto& r : calibrate_notebook(req, i, executed, s, "")) {
          ++stages;
          if (!r.skipped.empty()) continue;
          ++measured;
          CHECK(r.tflops_per_gpu);
          if (r.gpu == "rtx3090" && r.utilisation) on3090.push_back(*r.utilisation);
        }
      }
    }
  }
  WARN("calibrate on the corpus: " << stages << " training stages, " << measured << " measured, "
                                   << on3090.size() << " on RTX 3090, median utilisation "
                                   << median_of(on3090));
  // The runs on the programme's own hardware: the default 0.25 was calibrated on them.
  REQUIRE(on3090.size() >= 10);
  CHECK(median_of(on3090) > 0.15);
  CHECK(median_of(on3090) < 0.35);
}
