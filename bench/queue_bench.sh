#!/usr/bin/env bash
# Times `rwkvq queue …` (wall clock, process start included) on queues of 100, 1 000 and 10 000
# ACTIVE requests, each with as many finished ones (done, rejected, cancelled) behind them, N runs
# each, and prints the medians, the growth from size to size, and the target (< 100 ms at 10 000).
# The queue is generated as one queue.json holding active and finished requests (what a queue
# written before the archive looks like); each binary first rewrites it in its own format (a
# no-op `bump`: rwkvq with the archive moves the finished ones to queue.archive.jsonl) and marks
# one part done (what writes the learned summary), untimed.
# Commands timed: add, list, list --all, show (active), show (archived), next, plan, log, start,
# done (a request's last part: it finishes and moves to the archive). The changing ones run on a
# fresh copy each time.
# Usage: bench/queue_bench.sh [BINARY[,BINARY…] (default build/rwkvq)] [N (default 7)]
#        Several binaries: the runs alternate (b1, b2, b1, b2 …) so a noisy machine affects them
#        alike; a ratio column compares each with the first.
#        RWKVQ_BENCH_STRICT=1 makes a missed target (of the last binary) exit 1.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BINS="${1:-$ROOT/build/rwkvq}"
N="${2:-7}"
IFS=, read -r -a BIN_LIST <<< "$BINS"
for b in "${BIN_LIST[@]}"; do [ -x "$b" ] || { echo "bench: $b is not built" >&2; exit 2; }; done
source "$ROOT/bench/copies.bash"
copies=()
for i in "${!BIN_LIST[@]}"; do copies+=("$(bench_copy "${BIN_LIST[$i]}" "$i/rwkvq")"); done
BINS="$(IFS=,; echo "${copies[*]}")"
python3 - "$BINS" "$N" "$ROOT" "${1:-$ROOT/build/rwkvq}" <<'PYEOF'
import json, os, random, resource, shutil, statistics, subprocess, sys, tempfile, time
binaries, n, root = sys.argv[1].split(","), int(sys.argv[2]), sys.argv[3]
labels = sys.argv[4].split(",")  # the binaries as given; the copies in `binaries` are what runs
strict = os.environ.get("RWKVQ_BENCH_STRICT") == "1"
example = os.path.join(root, "examples", "requests", "clean-single")
work = tempfile.mkdtemp(prefix="rwkvq-queue-bench-")
SIZES = [100, 1000, 10000]
TARGET_MS = 100.0
T0 = 1714564800  # 2024-05-01T12:00:00Z

def iso(t):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))

def make_queue(size, path):
    """`size` active requests r1..r<size>, then `size` finished ones; r2 has its only part running."""
    rnd = random.Random(size)
    kinds = ["rwkv-x", "community-priority", "community"]
    reqs = []
    for i in range(1, 2 * size + 1):
        finished = i > size
        nparts = rnd.choice([1, 1, 1, 2, 3]) if i != 2 else 1
        parts = []
        day = 1 + rnd.randrange(28)
        t = T0 + day * 86400
        for k in range(1, nparts + 1):
            h = rnd.choice([None, round(rnd.uniform(0.3, 11.5), 2)])
            if finished and h is None: h = round(rnd.uniform(0.3, 11.5), 2)
            p = {"n": k, "notebook": f"training-notebook-part{k}.ipynb", "hours": h,
                 "state": "queued", "node": "", "started": None, "finished": None,
                 "on": {"8x24vgb": {"hours": round(h / 7, 2) if h else None, "fits": True}}}
            if finished:
                real = h * rnd.uniform(0.8, 1.3)
                p["on"]["1x24vgb"] = {"hours": h, "fits": True, "utilisation": 0.35}
                p.update(state="done", node="node-a", started=iso(t), finished=iso(t + int(real * 3600)),
                         ran_on="1x24vgb", real_hours=round(real, 4))
                t += int(real * 3600) + 600
            parts.append(p)
        hist = [{"at": iso(T0 + day * 86400 - 3600), "by": "bench", "action": "add", "part": 0}]
        if finished:
            r = rnd.random()
            if r < 0.1: parts[-1]["state"] = "rejected"
            elif r < 0.15: parts[-1]["state"] = "cancelled"
            for p in parts:
                if p["state"] == "done":
                    hist.append({"at": p["started"], "by": "bench", "action": "start", "part": p["n"]})
                    hist.append({"at": p["finished"], "by": "bench", "action": "done", "part": p["n"]})
        elif rnd.random() < 0.2 and i > 2 and nparts > 1:
            parts[0]["state"] = "done"
        if i == 2:
            parts[0].update(state="running", node="node-b", started=iso(int(time.time()) - 7200), ran_on="1x24vgb")
            parts[0]["on"]["1x24vgb"] = {"hours": 2.0, "fits": True, "utilisation": 0.35}
        reqs.append({"id": f"r{i}", "folder": f"/bench/requests/{i}", "title": f"Bench request {i}",
                     "handle": f"@user{i}", "kind": rnd.choice(kinds),
                     "target": rnd.choice(["1x24vgb", "1x24vgb", "8x24vgb"]),
                     "submitted": iso(T0 + day * 86400 - 3600), "boost": rnd.randrange(-3, 4),
                     "parts": parts, "history": hist})
    with open(path, "w") as f:
        json.dump({"version": 1, "next_id": 2 * size + 1, "requests": reqs}, f, indent=2)

cpu_ms = []
def run(binary, args, queue):
    env = dict(os.environ, RWKVQ_QUEUE=queue, NO_COLOR="1")
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    p = subprocess.run([binary, "queue"] + args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    ms = (time.perf_counter() - start) * 1000
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu_ms.append((r1.ru_utime + r1.ru_stime - r0.ru_utime - r0.ru_stime) * 1000)
    return ms, p.returncode, p.stderr.decode(errors="replace")

def files_of(q):
    stem = q[:-5] if q.endswith(".json") else q
    return [q, stem + ".archive.jsonl", q + ".learned.json", stem + ".learned.json"]

def copy_queue(src, dst):
    for a, b in zip(files_of(src), files_of(dst)):
        if os.path.exists(a): shutil.copy(a, b)
        elif os.path.exists(b): os.remove(b)

def die(msg):
    print("bench: " + msg, file=sys.stderr); shutil.rmtree(work); sys.exit(2)

COMMANDS = ["add", "list", "list --all", "show", "show old", "next", "plan", "log", "start", "done"]
results, cpu = {}, {}
sizes_mb = {}
for size in SIZES:
    gen = os.path.join(work, f"gen-{size}.json")
    make_queue(size, gen)
    bases = []
    for bi, binary in enumerate(binaries):
        base = os.path.join(work, f"base-{size}-{bi}.json")
        shutil.copy(gen, base)
        # Rewrite it in this rwkvq's own format, then one done (writes the learned summary).
        for args in (["bump", "r1", "0"], ["start", "r3", "--node", "warmup"], ["done", "r3"]):
            ms, rc, err = run(binary, args, base)
            if rc != 0: die(f"preparing the queue with {binary} {' '.join(args)}: exit {rc}: {err[-300:]}")
        bases.append(base)
        sizes_mb[(bi, size)] = sum(os.path.getsize(f) for f in files_of(base)[:2] if os.path.exists(f)) / 1e6
        sizes_mb[(bi, size, "active")] = os.path.getsize(base) / 1e6
    cmds = {"list": ["list"], "list --all": ["list", "--all"], "show": ["show", "r1"],
            "show old": ["show", f"r{size + 1}"],
            "next": ["next", "--target", "1x24vgb", "--window", "4h"],
            "plan": ["plan", "--nodes", "1x24vgb=2,8x24vgb=1"], "log": ["log", "--max", "20"],
            "start": ["start", "r4", "--node", "node-x"], "done": ["done", "r2"]}
    for name in COMMANDS:
        times = {bi: [] for bi in range(len(binaries))}
        cpus = {bi: [] for bi in range(len(binaries))}
        for i in range(n + 1):
            for bi, binary in enumerate(binaries):
                q = os.path.join(work, f"q-{size}-{bi}.json")
                if name in ("add", "start", "done") or i == 0:
                    copy_queue(bases[bi], q)
                if name == "add":
                    folder = os.path.join(work, f"req-{size}-{i}")
                    if not os.path.exists(folder): shutil.copytree(example, folder)
                    args = ["add", folder]
                else:
                    args = cmds[name]
                del cpu_ms[:]
                ms, rc, err = run(binary, args, q)
                if rc != 0: die(f"{name} at {size} with {binary}: exit {rc}: {err.strip()[-300:]}")
                if i > 0:
                    times[bi].append(ms); cpus[bi].append(cpu_ms[-1])
        for bi in range(len(binaries)):
            results[(bi, name, size)] = statistics.median(times[bi])
            cpu[(bi, name, size)] = statistics.median(cpus[bi])

load = os.getloadavg()[0]
missed = False
for bi, binary in enumerate(binaries):
    print(f"{labels[bi]}: median of {n} runs, wall clock incl. process start; {SIZES[-1]} active + {SIZES[-1]} finished "
          f"requests = {sizes_mb[(bi, SIZES[-1])]:.1f} MB (queue file {sizes_mb[(bi, SIZES[-1], 'active')]:.1f} MB); "
          f"load average {load:.1f} on {os.cpu_count()} CPUs")
    ratio_head = "   vs first at 10k" if bi > 0 else ""
    print(f"{'command':11} " + " ".join(f"{s:>10}" for s in SIZES) + "   growth 100→1k→10k   target <100 ms at 10k" + ratio_head)
    for name in COMMANDS:
        vals = [results[(bi, name, s)] for s in SIZES]
        cells = " ".join(f"{v:8.1f}ms" for v in vals)
        growth = f"×{vals[1]/vals[0]:.1f} ×{vals[2]/vals[1]:.1f}"
        ok = vals[2] < TARGET_MS
        if bi == len(binaries) - 1: missed |= not ok
        ratio = f"   ×{vals[2] / results[(0, name, SIZES[-1])]:.2f}" if bi > 0 else ""
        print(f"{name:11} {cells}   {growth:19} {'ok    ' if ok else 'MISSED'} (CPU {cpu[(bi, name, SIZES[-1])]:4.0f} ms){ratio}")
    print()
shutil.rmtree(work)
sys.exit(1 if strict and missed else 0)
PYEOF
