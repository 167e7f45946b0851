#!/usr/bin/env python3
"""Calibrates rwkvq's default GPU utilisation from the training logs in the corpus notebooks.

Superseded by `rwkvq calibrate NOTEBOOK.ipynb…` (src/estimate/calibrate.cpp, docs/estimate.md),
which reads the same logs (GPUs from DeepSpeed's "MEMBER: k/N", batches and wall time from the
progress bars, the model size from the trainer's summary, ctx_len and microbatch from the
stage's config, the GPU from the run's name) and prints the utilisation per run, per GPU and
the rwkvq.yaml lines that would use it. This script only runs it on every corpus notebook.

Usage: python3 bench/calibrate_utilisation.py [CORPUS_DIR] [RWKVQ_BINARY]
       (defaults: ../shared/corpus, build/rwkvq)
"""
import glob
import os
import subprocess
import sys

def main():
    here = os.path.dirname(os.path.abspath(__file__))
    corpus = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "..", "..", "shared", "corpus")
    binary = sys.argv[2] if len(sys.argv) > 2 else os.path.join(here, "..", "build", "rwkvq")
    notebooks = sorted(glob.glob(os.path.join(corpus, "*", "*.ipynb")))
    if not notebooks:
        sys.exit(f"no notebooks under {corpus}")
    sys.exit(subprocess.run([binary, "calibrate", *notebooks]).returncode)

if __name__ == "__main__":
    main()
