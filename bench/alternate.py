#!/usr/bin/env python3
"""Times several commands against each other on a noisy machine (issue 12.6).

Usage: bench/alternate.py N "CMD1 ARGS" "CMD2 ARGS" ...   (VAR=value before a command sets it)

Every round runs each command once, in a new random order (so that none always follows the same
one: a command run right after a 270 ms Python process finds cold caches), with stdout and stderr
to /dev/null; the first two rounds are warm-up. Prints each command's median wall clock and CPU
time (user + system, from wait4). Run it on fresh copies of the binaries (bench/copies.bash): a
binary whose page cache has aged starts 1-2 ms slower.
"""
import os
import random
import shlex
import statistics
import sys
import time


def main() -> int:
    if len(sys.argv) < 3:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    rounds = int(sys.argv[1])
    cmds = [shlex.split(c) for c in sys.argv[2:]]
    wall = [[] for _ in cmds]
    cpu = [[] for _ in cmds]
    devnull = os.open(os.devnull, os.O_WRONLY)
    for r in range(rounds + 2):
        order = list(enumerate(cmds))
        random.shuffle(order)
        for i, cmd in order:
            env = dict(os.environ)
            while cmd and "=" in cmd[0] and not cmd[0].startswith("/"):
                k, v = cmd[0].split("=", 1)
                env[k] = v
                cmd = cmd[1:]
            start = time.perf_counter()
            pid = os.posix_spawn(cmd[0], cmd, env,
                                 file_actions=[(os.POSIX_SPAWN_DUP2, devnull, 1), (os.POSIX_SPAWN_DUP2, devnull, 2)])
            _, _, usage = os.wait4(pid, 0)
            elapsed = time.perf_counter() - start
            if r >= 2:
                wall[i].append(elapsed * 1000)
                cpu[i].append((usage.ru_utime + usage.ru_stime) * 1000)
    for i, c in enumerate(sys.argv[2:]):
        print(f"{c[:70]:70s} wall {statistics.median(wall[i]):8.2f} ms  cpu {statistics.median(cpu[i]):8.2f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
