"""Time a training epoch against PyTorch, scikit-learn and the floor this machine allows.

All contenders train the 784-256-10 network on the same random MNIST-shaped uint8 data, each
scaling it to float32, in turns and in a fresh order each round, so that noise from other programs
hits them alike; the table shows medians and the spread. The floor is the matrix products alone
plus the bytes the optimizer's steps must move, both timed here. PyTorch and scikit-learn are
optional: absent, they say "skipped".

examples:
  justnumpy bench
  justnumpy bench --json --repeats 5
  justnumpy bench --time-to-98            # also train the default recipe on real MNIST, 3 seeds
  justnumpy bench --time-to-99            # and the fastest recipe that reaches 99% (3 seeds)
  justnumpy bench --sweep sweep-out      # width and batch sweeps: CSV, Markdown and PNG
"""

from __future__ import annotations

import argparse
import json

from justnumpy.commands.options import add_data_options, positive_int, show_progress

HELP = "measure training speed against PyTorch, scikit-learn and the machine's floor"


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Options of `justnumpy bench`."""
    p.add_argument(
        "--repeats",
        type=positive_int,
        default=3,
        help="timed epochs per contender after one warm-up (default %(default)s)",
    )
    p.add_argument("--examples", type=positive_int, help="rows per epoch (default 60000; 15000 for --sweep)")
    p.add_argument(
        "--batch-sizes",
        type=positive_int,
        nargs="+",
        default=[32, 128, 512],
        metavar="B",
        help="default: 32 128 512",
    )
    p.add_argument("--no-baselines", action="store_true", help="skip PyTorch and scikit-learn")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of the table")
    p.add_argument(
        "--time-to-98",
        action="store_true",
        help="also train the default recipe on real MNIST (seeds 0-2): its time, and its time to 98%% test",
    )
    p.add_argument(
        "--time-to-99",
        action="store_true",
        help="also train the fastest recipe whose mean test accuracy is ≥ 99%% (seeds 0-2): its time",
    )
    p.add_argument("--sweep", metavar="DIR", help="instead: width and batch sweeps, written to DIR")
    add_data_options(p)


def run(args: argparse.Namespace) -> int:
    """Measure, then print the table (or JSON)."""
    from justnumpy.measure import bench

    if args.sweep:
        from justnumpy.measure import sweep

        for path in sweep.run(args.sweep, n=args.examples or 15000, repeats=args.repeats):
            print(f"wrote {path}")
        return 0
    result = bench.measure(
        n=args.examples or 60000,
        batches=tuple(args.batch_sizes),
        repeats=args.repeats,
        baselines=not args.no_baselines,
    )
    targets = [t for t in bench.TIME_TO if getattr(args, f"time_to_{t}")]
    if targets:
        from justnumpy import data

        raw = data.load(args.dataset, args.data_dir, progress=show_progress(args))
        for t in targets:
            recipe, target = bench.TIME_TO[t]
            result[f"time_to_{t}"] = bench.time_to(raw, recipe, target)
    print(json.dumps(result, indent=2) if args.json else table(result))
    return 0


def _s(stats: dict | None) -> str:
    """'0.412 s (0.40–0.45)': median and spread, or 'skipped'."""
    if not stats:
        return "skipped"
    return f"{stats['median']:.3f} s ({stats['min']:.2f}–{stats['max']:.2f})"


def table(r: dict) -> str:
    """The results as a plain-text table a person can read."""
    m = r["machine"]
    lines = [
        f"{r['n_examples']} random MNIST-shaped examples, 784-{r['hidden']}-10, float32, "
        f"{r['epoch_gflop']:.1f} GFLOP and {r['step_mb']:.1f} MB a step of update; "
        f"median of {r['repeats']} epochs (min–max), interleaved",
        f"{m['cpu']}, {m['cores']} cores, numpy {m['numpy']}, {m['blas']} kernel {m['blas_kernel']}, "
        f"torch {m['torch'] or 'absent'}, scikit-learn {m['sklearn'] or 'absent'}",
        "",
        f"{'batch':>5} {'thr':>3}  {'justnumpy s/epoch':<24}{'torch s/epoch':<24}{'ratio':>6}  "
        f"{'products':>8} {'update':>7} {'floor s':>8}  {'of floor':>8}  {'GFLOP/s':>7}",
    ]
    for row in r["rows"]:
        ratio = f"{row['ratio_vs_torch']:.2f}" if row["ratio_vs_torch"] else "-"
        lines.append(
            f"{row['batch']:>5} {row['blas_threads']:>3}  {_s(row['justnumpy_spread']):<24}"
            f"{_s(row['torch_spread']):<24}{ratio:>6}  "
            f"{row['gemm_floor_s_per_epoch']:>8.3f} {row['update_floor_s_per_epoch']:>7.3f} "
            f"{row['floor_s_per_epoch']:>8.3f}  {row['fraction_of_floor']:>8.0%}  "
            f"{row['justnumpy_gflops']:>7.1f}"
        )
    stream = r["rows"][0]["stream_gb_per_s"]
    lines += [
        "",
        f"scikit-learn MLPClassifier, batch 128: {_s(r['sklearn_spread'])}",
        f"augmented epoch (every image distorted, batch 128): {_s(r.get('augmented_spread'))}"
        + (f", {r['augmented_to_plain']:.2f}× the plain one" if r.get("augmented_to_plain") else ""),
        f"the same network by mlp.py (layers.py's blocks in a loop), batch 128: {_s(r.get('mlp_spread'))}"
        + (f", {r['mlp_to_network']:.2f}× network.py's" if r.get("mlp_to_network") else ""),
        "floor = products + update: the five matrix products alone on the step's shapes, and the bytes",
        f"the optimizer's steps must move at {stream:.0f} GB/s (NumPy streaming them here); "
        f"biggest square product: {r['peak_gemm_gflops']:.0f} GFLOP/s",
        f"peak memory NumPy held during one epoch: {r['peak_memory_mb']:.1f} MB on top of the data; "
        f"whole process at most {r['max_rss_mb']:.0f} MB",
    ]
    for t in ("98", "99"):
        if f"time_to_{t}" in r:
            lines.append(time_to_line(r[f"time_to_{t}"]))
    return "\n".join(lines)


def time_to_line(t: dict) -> str:
    """One line on a recipe timed to a target: its accuracy over the seeds and its seconds."""
    n = len(t["runs"])
    std = f" ± {100 * t['test_std']:.2f}" if t["test_std"] is not None else ""
    first = f"; first reached after {t['seconds_to_target']:.1f} s" if t["seconds_to_target"] else ""
    verdict = "reaches" if t["reached"] else "does not reach"
    return (
        f"time to {t['target']:.0%}: recipe {t['recipe']} ({t['epochs']} epochs), seeds 0-{n - 1}: "
        f"test {100 * t['test_mean']:.2f}{std}%, {verdict} {t['target']:.0%} on the mean; "
        f"{t['seconds']:.1f} s a run (median){first}"
    )
