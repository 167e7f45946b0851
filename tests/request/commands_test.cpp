#include <catch2/catch.hpp>

#include "rwkvq/request/commands.h"

using namespace rwkvq;

namespace {
std::vector<Command> rec(std::string line, std::string cwd = "/repo/notebook/community/x") {
  Location loc;
  loc.file = "training-notebook.ipynb";
  loc.line = 10;
  loc.cell = 4;
  loc.cell_line = 2;
  return recognise_commands(tokenize_shell(line), cwd, loc);
}
}  // namespace

TEST_CASE("cd updates the working folder", "[commands]") {
  std::string cwd = "/repo/notebook/community/x";
  auto c = recognise_commands(tokenize_shell("cd ../../../RWKV-v5 && python x.py && cd /tmp"), cwd, {});
  REQUIRE(c.size() == 3);
  CHECK(c[0].kind == CommandKind::Cd);
  CHECK(c[1].cwd == "/repo/RWKV-v5");
  CHECK(c[1].kind == CommandKind::OtherPython);
  CHECK(cwd == "/tmp");
  std::string cwd2 = "/repo";
  recognise_commands(tokenize_shell("cd $SOMEWHERE"), cwd2, {});
  CHECK(cwd2.empty());
}

TEST_CASE("init_model.py", "[commands]") {
  auto c = rec("cd /repo/RWKV-v5 && python3 ./init_model.py --n_layer 24 --n_embd=2048 "
               "--emb-scale 0.1 --vocab_size neox --skip-if-exists ../model/L24-D2048.pth");
  REQUIRE(c.size() == 2);
  const Command& m = c[1];
  CHECK(m.kind == CommandKind::InitModel);
  CHECK(m.n_layer == 24);
  CHECK(m.n_embd == 2048);
  CHECK(m.vocab_size == 50277);
  CHECK(m.output == "/repo/model/L24-D2048.pth");
  CHECK(m.loc.cell == 4);
  CHECK(m.loc.cell_line == 2);
  CHECK_FALSE(m.unknown);
  auto w = rec("python init_model.py --vocab_size world --n_layer 12 --n_embd 768 out.pth", "/repo/RWKV-v5");
  CHECK(w[0].vocab_size == 65536);
  auto n = rec("python init_model.py --vocab_size 1000 out.pth", "/repo/RWKV-v5");
  CHECK(n[0].vocab_size == 1000);
}

TEST_CASE("lightning_trainer.py fit", "[commands]") {
  auto c = rec("cd /repo/RWKV-v5 && export WANDB_MODE=online && python lightning_trainer.py fit "
               "-c /repo/notebook/community/x/training-config.yaml --trainer.strategy=deepspeed_stage_2 "
               "--model.load_model ../model/a.pth --model.ctx_len=4096");
  REQUIRE(c.size() == 3);
  const Command& t = c[2];
  CHECK(t.kind == CommandKind::Train);
  CHECK(t.script == "lightning_trainer.py");
  CHECK(t.input == "/repo/notebook/community/x/training-config.yaml");
  REQUIRE(t.overrides.size() == 3);
  CHECK(t.overrides[0].key == "trainer.strategy");
  CHECK(t.overrides[0].value == "deepspeed_stage_2");
  CHECK(t.overrides[1].key == "model.load_model");
  CHECK(t.overrides[1].value == "../model/a.pth");
  CHECK(t.overrides[2].value == "4096");
  CHECK(c[1].assignments == std::vector<std::string>{"WANDB_MODE=online"});
  auto rel = rec("python lightning_trainer.py fit --config=cfg.yaml", "/repo/RWKV-v5");
  CHECK(rel[0].input == "/repo/RWKV-v5/cfg.yaml");
  auto nocfg = rec("python lightning_trainer.py fit", "/repo/RWKV-v5");
  CHECK(nocfg[0].kind == CommandKind::Train);
  CHECK(nocfg[0].unknown);
  auto val = rec("python lightning_trainer.py validate -c x.yaml", "/repo/RWKV-v5");
  CHECK(val[0].kind == CommandKind::OtherPython);
  auto launch = rec("accelerate launch --num_processes 2 lightning_trainer.py fit -c a.yaml", "/repo/RWKV-v5");
  CHECK(launch[0].kind == CommandKind::Train);
}

TEST_CASE("export_checkpoint.py and preload_datapath.py", "[commands]") {
  auto e = rec("python export_checkpoint.py ../checkpoint/run/last.ckpt ../model/out.pth bf16", "/repo/RWKV-v5");
  REQUIRE(e.size() == 1);
  CHECK(e[0].kind == CommandKind::Export);
  CHECK(e[0].input == "/repo/checkpoint/run/last.ckpt");
  CHECK(e[0].output == "/repo/model/out.pth");
  auto p = rec("python3 preload_datapath.py /repo/notebook/community/x/c.yaml", "/repo/RWKV-v5");
  CHECK(p[0].kind == CommandKind::PreloadDatapath);
  CHECK(p[0].input == "/repo/notebook/community/x/c.yaml");
}

TEST_CASE("downloads", "[commands]") {
  auto w = rec("cd /repo/model/ && wget -nc https://huggingface.co/B/r/resolve/main/RWKV-4-1B5.pth?download=true");
  REQUIRE(w.size() == 2);
  CHECK(w[1].kind == CommandKind::Download);
  CHECK(w[1].output == "/repo/model/RWKV-4-1B5.pth");
  CHECK(w[1].url == "https://huggingface.co/B/r/resolve/main/RWKV-4-1B5.pth?download=true");
  auto o = rec("wget -q https://x/y/z.pth -O ../model/a.pth", "/repo/RWKV-v5");
  CHECK(o[0].output == "/repo/model/a.pth");
  auto p = rec("wget -P /repo/model https://x/y/z.pth");
  CHECK(p[0].output == "/repo/model/z.pth");
  auto c1 = rec("curl -L -o ../model/m.pth https://x/m.pth", "/repo/RWKV-v5");
  CHECK(c1[0].kind == CommandKind::Download);
  CHECK(c1[0].output == "/repo/model/m.pth");
  auto c2 = rec("curl -LO https://x/q/m2.pth", "/repo/model");
  CHECK(c2[0].output == "/repo/model/m2.pth");
  auto h = rec("huggingface-cli download BlinkDL/rwkv-5-world RWKV-5-World-1B5.pth --local-dir ../model", "/repo/RWKV-v5");
  CHECK(h[0].kind == CommandKind::Download);
  CHECK(h[0].url == "BlinkDL/rwkv-5-world/RWKV-5-World-1B5.pth");
  CHECK(h[0].output == "/repo/model/RWKV-5-World-1B5.pth");
  auto py = rec("python -c \"from huggingface_hub import hf_hub_download; hf_hub_download(repo_id='a/b', filename='m.pth', local_dir='../model')\"", "/repo/RWKV-v5");
  CHECK(py[0].kind == CommandKind::Download);
  CHECK(py[0].url == "a/b/m.pth");
  CHECK(py[0].output == "/repo/model/m.pth");
  auto g = rec("git clone https://github.com/a/b.git", "/repo");
  CHECK(g[0].kind == CommandKind::Download);
  CHECK(g[0].output == "/repo/b");
  auto u = rec("wget $URL");
  CHECK(u[0].unknown);
  CHECK(u[0].output.empty());
}

TEST_CASE("file commands", "[commands]") {
  auto m = rec("mkdir -p ../../../model/ && ls -alh ../x && rm -rf ../y && cp a b && mv c d && pip install -q x");
  REQUIRE(m.size() == 6);
  CHECK(m[0].kind == CommandKind::Mkdir);
  CHECK(m[0].output == "/repo/model");
  CHECK(m[1].kind == CommandKind::Ls);
  CHECK(m[1].input == "/repo/notebook/community/x");
  CHECK(m[2].kind == CommandKind::Remove);
  CHECK(m[3].kind == CommandKind::Copy);
  CHECK(m[3].output == "/repo/notebook/community/x/b");
  CHECK(m[4].kind == CommandKind::Move);
  CHECK(m[5].kind == CommandKind::PipInstall);
  auto o = rec("echo hi && sudo python -m pip install x");
  CHECK(o[0].kind == CommandKind::Other);
  CHECK(o[1].kind == CommandKind::PipInstall);
}

TEST_CASE("unknown working folder and words", "[commands]") {
  auto c = rec("python export_checkpoint.py a.ckpt b.pth", "");
  REQUIRE(c.size() == 1);
  CHECK(c[0].unknown);
  CHECK(c[0].output.empty());
  CHECK(c[0].why.find("working folder") != std::string::npos);
  auto abs = rec("python export_checkpoint.py /repo/c/a.ckpt /repo/model/b.pth", "");
  CHECK(abs[0].output == "/repo/model/b.pth");
  CHECK(to_string(CommandKind::Train) == "train");
}

TEST_CASE("train.py in an RWKV-v* folder is the official trainer; flags become overrides", "[commands]") {
  auto c = rec("cd /repo/RWKV-LM/RWKV-v5 && python train.py --load_model ../../model/a.pth --n_layer=24 "
               "--my_exit_tokens 1000 --grad_cp 1");
  REQUIRE(c.size() == 2);
  const Command& t = c[1];
  CHECK(t.kind == CommandKind::Train);
  CHECK(t.trainer == Trainer::Official);
  CHECK(t.trainer_dir == "RWKV-v5");
  REQUIRE(t.overrides.size() == 4);
  CHECK(t.overrides[0].key == "load_model");
  CHECK(t.overrides[0].value == "../../model/a.pth");
  CHECK(t.overrides[1].key == "n_layer");
  CHECK(t.overrides[1].value == "24");
  CHECK(rec("cd /repo/RWKV-LM/RWKV-v7/train_temp && python train.py --my_exit_tokens 5")[1].trainer_dir ==
        "RWKV-v7/train_temp");
  // a train.py of the contributor's own is not a trainer
  auto own = rec("python train.py --epochs 3");
  REQUIRE(own.size() == 1);
  CHECK(own[0].kind == CommandKind::OtherPython);
  CHECK(rec("python lightning_trainer.py fit -c x.yaml")[0].trainer == Trainer::Infctx);
}

TEST_CASE("merge_model.py is a copy from the model whose shape it keeps", "[commands]") {
  auto c = rec("python3 ./merge_model.py --skip-if-exists --resize_mode reshape base.pth L32-D1024-world-init.pth out.pth",
               "/repo/RWKV-v5");
  REQUIRE(c.size() == 1);
  CHECK(c[0].kind == CommandKind::Copy);
  CHECK(c[0].input == "/repo/RWKV-v5/L32-D1024-world-init.pth");
  CHECK(c[0].output == "/repo/RWKV-v5/out.pth");
}
