#!/usr/bin/env python3
"""Calibrates rwkvq's default GPU utilisation from the training logs in the corpus notebooks.

For every `lightning_trainer.py fit` cell with an executed output, it reads:
  - the number of GPUs  (DeepSpeed's "GLOBAL_RANK: r, MEMBER: k/N" lines -> N),
  - the progress bars   ("Epoch e: ...| done/total [elapsed<..."): batches done and wall time,
  - ctx_len and microbatch_size (the cell's --model.ctx_len / --trainer.microbatch_size override,
    else the YAML named by -c, resolving {VARS} from simple assignments in earlier cells),
  - the parameter count (truth.jsonl: the count the notebook printed when exporting; only
    notebooks that printed one distinct count are used),
  - the GPU model when the run's name says it ("8x3090", "[8xA100]", "8xH100s").
Tokens are counted as rwkvq counts them (batches x microbatch x GPUs x ctx_len), so the
utilisation measured here is the factor that makes rwkvq's hours formula reproduce these runs:
    utilisation = 6 * N * tokens / (elapsed_seconds * GPUs * peak_bf16_flops)
Usage: python3 bench/calibrate_utilisation.py [CORPUS_DIR]   (default ../shared/corpus)
"""
import glob
import json
import os
import re
import statistics
import sys

PEAK_TFLOPS = {"3090": 71.0, "4090": 165.2, "A100": 312.0, "H100": 989.4, "L40": 181.0}

def load_yaml_scalar(text, section, key):
    # Minimal: find "section:" block then "  key: value" inside it.
    cur = None
    for line in text.split("\n"):
        if re.match(r"^[A-Za-z_]+:", line):
            cur = line.split(":")[0]
            continue
        m = re.match(r"^\s+" + re.escape(key) + r":\s*([^#\s]+)", line)
        if m and cur == section:
            return m.group(1)
    return None

def parse_time(t):
    parts = [int(x) for x in t.split(":")]
    s = 0
    for p in parts:
        s = s * 60 + p
    return s

def to_int(v):
    try:
        return int(float(v))
    except (TypeError, ValueError):
        return None

def main():
    corpus = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "..", "shared", "corpus")
    truth = {}
    for line in open(os.path.join(corpus, "truth.jsonl")):
        d = json.loads(line)
        truth[d["dir"]] = d
    runs = []
    for d, t in sorted(truth.items()):
        counts = sorted(set(t["params_elements"]))
        if len(counts) != 1:
            continue
        n_params = counts[0]
        for nbpath in glob.glob(os.path.join(corpus, d, "*.ipynb")):
            try:
                nb = json.load(open(nbpath))
            except Exception:
                continue
            raw = open(nbpath).read()
            gpu = None
            m = re.search(r"\d+x(3090|4090|A100|H100|L40)", raw)
            if m:
                gpu = m.group(1)
            env = {}
            for ci, cell in enumerate(nb.get("cells", [])):
                if cell.get("cell_type") != "code":
                    continue
                src = "".join(cell.get("source", []))
                for m in re.finditer(r"^\s*([A-Z_][A-Z0-9_]*)\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|(-?[0-9.e]+))\s*$", src, re.M):
                    env[m.group(1)] = next(g for g in m.groups()[1:] if g is not None)
                if not re.search(r"^[^#\n]*lightning_trainer\.py fit", src, re.M):
                    continue
                out = ""
                for o in cell.get("outputs", []):
                    if "text" in o:
                        out += "".join(o["text"])
                members = [int(x) for x in re.findall(r"MEMBER: \d+/(\d+)", out)]
                if not members:
                    continue
                gpus = max(members)
                epochs = {}
                for m in re.finditer(r"Epoch (\d+):\s+\d+%\|[^|]*\|\s*(\d+)/(\d+) \[([\d:]+)<", out):
                    e, done, el = int(m.group(1)), int(m.group(2)), parse_time(m.group(4))
                    if e not in epochs or done >= epochs[e][0]:
                        epochs[e] = (done, el)
                batches = sum(v[0] for v in epochs.values())
                seconds = sum(v[1] for v in epochs.values())
                if batches < 50 or seconds < 600:
                    continue  # too short to measure (start-up dominates)
                def subst(v):
                    return re.sub(r"\{([A-Z_0-9]+)\}", lambda mm: env.get(mm.group(1), mm.group(0)), v)
                flat = subst(src.replace("\\\n", " "))
                def override(key):
                    mm = re.search(r"--" + re.escape(key) + r"[= ]\"?([^\s\"]+)", flat)
                    return mm.group(1) if mm else None
                cfg_text = ""
                mm = re.search(r"-c\s+\"?([^\s\"]+)", flat)
                if mm:
                    p = os.path.join(corpus, d, os.path.basename(mm.group(1)))
                    if os.path.exists(p):
                        cfg_text = open(p).read()
                ctx = to_int(override("model.ctx_len")) or to_int(load_yaml_scalar(cfg_text, "model", "ctx_len"))
                mb = to_int(override("trainer.microbatch_size")) or to_int(load_yaml_scalar(cfg_text, "trainer", "microbatch_size")) or 1
                if not ctx:
                    continue
                tokens = batches * mb * gpus * ctx
                achieved = 6 * n_params * tokens / seconds / gpus / 1e12  # TFLOP/s per GPU
                runs.append(dict(dir=d, cell=ci + 1, gpus=gpus, gpu=gpu, params=n_params, ctx=ctx, mb=mb,
                                 batches=batches, hours=seconds / 3600, tflops=achieved,
                                 util=achieved / PEAK_TFLOPS[gpu] if gpu else None))
    print(f"{'dir':13} {'cell':>4} {'gpus':>4} {'gpu':>5} {'params':>8} {'ctx':>6} {'mb':>3} {'batches':>8} {'hours':>6} {'TFLOP/s/GPU':>11} {'util':>6}")
    for r in runs:
        u = f"{r['util']:.3f}" if r["util"] is not None else "?"
        print(f"{r['dir']:13} {r['cell']:>4} {r['gpus']:>4} {str(r['gpu']):>5} {r['params']/1e9:>7.2f}B {r['ctx']:>6} {r['mb']:>3} {r['batches']:>8} {r['hours']:>6.2f} {r['tflops']:>11.1f} {u:>6}")
    for g in sorted({r["gpu"] for r in runs if r["gpu"]}):
        us = [r["util"] for r in runs if r["gpu"] == g]
        print(f"\n{g}: {len(us)} runs, utilisation median {statistics.median(us):.3f}, "
              f"min {min(us):.3f}, max {max(us):.3f}")
    known = [r["util"] for r in runs if r["util"] is not None]
    if known:
        print(f"all runs with a known GPU: {len(known)}, median {statistics.median(known):.3f}, "
              f"quartiles {statistics.quantiles(known, n=4) if len(known) > 1 else known}")
    default = 0.25
    r3090 = [r["util"] for r in runs if r["gpu"] == "3090"]
    if r3090:
        ratios = sorted(u / default for u in r3090)  # rwkvq's hours / the run's real hours
        within2 = sum(1 for x in ratios if 0.5 <= x <= 2.0)
        print(f"with utilisation {default}: estimated/real hours on the 3090 runs: median {statistics.median(ratios):.2f}, "
              f"range {ratios[0]:.2f}-{ratios[-1]:.2f}, within a factor of 2: {within2}/{len(ratios)}")
    unk = [r["tflops"] for r in runs if r["gpu"] is None]
    if unk:
        print(f"runs with an unknown GPU: {len(unk)}, achieved TFLOP/s per GPU median {statistics.median(unk):.1f}")

if __name__ == "__main__":
    main()
