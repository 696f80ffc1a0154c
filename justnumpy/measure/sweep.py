"""How the cost of an epoch grows with the hidden width and changes with the batch size.

    justnumpy bench --sweep sweep-out      # writes width.csv, batch.csv, sweep.md, sweep.png

Width sweep: hidden 64 … 4096 at batch 128 on one BLAS thread (steadier on a shared machine). The FLOPs of an
epoch grow linearly with the width, so the seconds should too, once the matrix products dominate.
Batch sweep: batch 16 … 2048 at hidden 256, on one BLAS thread and on all cores. Each point is the
median of `repeats` real epochs (train.run_epoch) after a warm-up, the points of a sweep taken in
turns like `bench`.
"""

from __future__ import annotations

import csv
import math
import time
from pathlib import Path

import numpy as np

from justnumpy import train
from justnumpy.measure.bench import epoch_flops, gemm_step, random_split
from justnumpy.training.batches import Split
from justnumpy.training.denormals import flushed_to_zero
from justnumpy.training.threads import limit_blas

WIDTHS = (64, 128, 256, 512, 1024, 2048, 4096)
BATCHES = (16, 32, 64, 128, 256, 512, 1024, 2048)


def _interleaved(points: list[dict], data: Split, repeats: int) -> list[dict]:
    """Time one epoch per point per round (round 0 is a warm-up); add seconds and GFLOP/s to each."""
    n = len(data.X_train)
    for p in points:
        config = train.Config(batch_size=p["batch"], hidden=p["hidden"], epochs=1000)
        p["_run"] = (config, train.new_state(config), math.ceil(n / p["batch"]) * 1000)
        p["_gemm"] = gemm_step(p["batch"], p["hidden"], p["threads"], reps=max(1, n // p["batch"] // 4))
        p["_samples"], p["_gemm_samples"] = [], []
    for round_ in range(repeats + 1):
        for p in points:
            config, state, total = p["_run"]
            with limit_blas(p["threads"]), flushed_to_zero():  # as train does
                start = time.perf_counter()
                train.run_epoch(config, state, data, total)
                seconds = time.perf_counter() - start
            gemm = p["_gemm"]() * math.ceil(n / p["batch"])
            if round_:
                p["_samples"].append(seconds)
                p["_gemm_samples"].append(gemm)
    rows = []
    for p in points:
        s, floor = float(np.median(p["_samples"])), float(np.median(p["_gemm_samples"]))
        flops = epoch_flops(n, p["hidden"])
        rows.append(
            {
                "hidden": p["hidden"],
                "batch": p["batch"],
                "threads": p["threads"] or "all",
                "s_per_epoch": s,
                "min": min(p["_samples"]),
                "max": max(p["_samples"]),
                "gflops": flops / s / 1e9,
                "gemm_gflops": flops / floor / 1e9,
                "fraction_of_bound": floor / s,
            }
        )
    return rows


def run(
    folder: str,
    n: int = 15000,
    repeats: int = 3,
    widths: tuple[int, ...] = WIDTHS,
    batches: tuple[int, ...] = BATCHES,
) -> list[Path]:
    """Run both sweeps on n random examples; write CSV tables, a Markdown table and a PNG plot."""
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    data = random_split(n)
    width = _interleaved([{"hidden": h, "batch": 128, "threads": 1} for h in widths], data, repeats)
    batch = _interleaved(
        [{"hidden": 256, "batch": b, "threads": t} for b in batches for t in (1, None)], data, repeats
    )
    paths = [_write_csv(out / "width.csv", width), _write_csv(out / "batch.csv", batch)]
    paths.append(_write_markdown(out / "sweep.md", width, batch, n, repeats))
    paths.append(_plot(out / "sweep.png", width, batch, n))
    return paths


def _write_csv(path: Path, rows: list[dict]) -> Path:
    with open(path, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows({k: f"{v:.4g}" if isinstance(v, float) else v for k, v in r.items()} for r in rows)
    return path


def _write_markdown(path: Path, width: list[dict], batch: list[dict], n: int, repeats: int) -> Path:
    head = "| hidden | batch | BLAS threads | s/epoch (min–max) | GFLOP/s | GEMM-only GFLOP/s | of floor |"
    lines = [
        f"Epochs of {n} random examples, median of {repeats} after a warm-up "
        "(`python -m justnumpy bench --sweep DIR`).",
        "",
        head,
        "|---" * 7 + "|",
    ]
    for r in width + batch:
        lines.append(
            f"| {r['hidden']} | {r['batch']} | {r['threads']} | {r['s_per_epoch']:.3f} "
            f"({r['min']:.3f}–{r['max']:.3f}) | {r['gflops']:.1f} | {r['gemm_gflops']:.1f} "
            f"| {r['fraction_of_bound']:.0%} |"
        )
    path.write_text("\n".join(lines) + "\n")
    return path


def _plot(path: Path, width: list[dict], batch: list[dict], n: int) -> Path:
    from justnumpy.see import figures

    fig = figures.new(figsize=(11, 4.2))
    left, right = fig.subplots(1, 2)
    hs = [r["hidden"] for r in width]
    left.loglog(hs, [r["s_per_epoch"] for r in width], "o-", label="justnumpy epoch")
    left.loglog(
        hs, [r["s_per_epoch"] * r["fraction_of_bound"] for r in width], "s--", label="matrix products only"
    )
    ref = width[-1]["s_per_epoch"]
    left.loglog(hs, [ref * h / hs[-1] for h in hs], ":", color="gray", label="∝ width")
    left.set(
        xlabel="hidden units (batch 128, 1 BLAS thread)",
        ylabel=f"seconds per epoch of {n} examples",
        title="Width sweep",
    )
    left.set_xticks(hs, [str(h) for h in hs])
    left.legend()
    for threads, style in ((1, "o-"), ("all", "s-")):
        rows = [r for r in batch if r["threads"] == threads]
        label = "1 BLAS thread" if threads == 1 else "all cores"
        right.semilogx([r["batch"] for r in rows], [r["gflops"] for r in rows], style, label=label)
    bs = [r["batch"] for r in batch if r["threads"] == 1]
    right.set_xticks(bs, [str(b) for b in bs])
    right.set(xlabel="batch size (hidden 256)", ylabel="GFLOP/s achieved by the epoch", title="Batch sweep")
    right.legend()
    return figures.save(fig, path, dpi=90)
