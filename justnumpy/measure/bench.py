"""How fast is training? justnumpy against PyTorch, scikit-learn and the machine's floor, in one run.

One epoch of the 784-H-10 network is five matrix products per batch of m rows:

    forward   X·W1 (m×784 · 784×H)    A1·W2 (m×H · H×10)
    backward  A1ᵀ·dZ2 (H×m · m×10)    dZ2·W2ᵀ (m×10 · 10×H)    Xᵀ·dZ1 (784×m · m×H)

that is 2·n·(2·784·H + 3·H·10) floating-point operations for n examples (49.1 GFLOP for
n = 60000, H = 256), whatever the batch size, and one optimizer step per batch, which must at
least read each gradient once and read and write each weight and its velocity once: 5 floats of
4 bytes per parameter (4.1 MB a step for H = 256), so the smaller the batch, the more steps and
bytes. The floor is the time of both, each measured on this machine: the five products alone on
the step's own shapes, and that many bytes streamed through memory by NumPy. It is the epoch
time if everything else (ReLU, softmax, Python) were free; `fraction_of_floor` = floor / epoch.

All contenders train on the same random MNIST-shaped data (uint8 pixels, which each scales to
float32) and are run in turns, in a fresh order each round, so noise from other processes on the
machine hits each of them alike; we report medians and the spread (min..max). The justnumpy
epoch is `train.run_epoch`, the real one. `contenders` lists them all: adding one is one entry
there and one key in `measure`'s rows. The file is longer than most because each contender
(justnumpy, PyTorch, scikit-learn, the two halves of the floor) is its own small function.
"""

from __future__ import annotations

import importlib.metadata
import math
import os
import platform
import resource
import statistics
import time
import tracemalloc
import warnings
from collections.abc import Callable
from contextlib import nullcontext

import numpy as np
from threadpoolctl import threadpool_limits

from justnumpy import mlp, network, train
from justnumpy.data import to_inputs
from justnumpy.model import Net
from justnumpy.training import recipes
from justnumpy.training.batches import Split
from justnumpy.training.denormals import flushed_to_zero
from justnumpy.training.threads import blas_threads, numpy_blas

N_IN, N_OUT = 784, 10
STREAM_REPS = 200  # steps' worth of bytes the memory floor streams per round (a few hundred MB)


def epoch_flops(n: int, hidden: int) -> float:
    """Floating-point operations of the five matrix products over n examples (2 per multiply-add)."""
    return 2.0 * n * (2 * N_IN * hidden + 3 * hidden * N_OUT)


def param_shapes(hidden: int) -> list[tuple[int, ...]]:
    """The shapes of W1, b1, W2, b2."""
    return [(N_IN, hidden), (hidden,), (hidden, N_OUT), (N_OUT,)]


def step_bytes(hidden: int) -> int:
    """Bytes one momentum step must move at least: read g, read and write θ and v; 4 bytes a float."""
    return 5 * 4 * sum(math.prod(shape) for shape in param_shapes(hidden))


def random_split(n: int, seed: int = 0) -> Split:
    """n random MNIST-shaped rows of uint8 pixels with labels 0..9, as training.batches.split makes them.

    Only the training rows are used: run_epoch trains, and scoring held-out images is not timed.
    """
    rng = np.random.default_rng(seed)
    X, y = rng.integers(0, 256, (n, N_IN), dtype=np.uint8), rng.integers(0, N_OUT, n).astype(np.intp)
    no_rows = np.zeros((0, N_IN), np.float32)
    return Split(X, y, no_rows, y[:0], no_rows, y[:0])


def justnumpy_epoch(
    data: Split, batch: int, hidden: int = 256, augment: str = "none", net: Net = network
) -> Callable[[], None]:
    """One real training epoch per call: train.run_epoch, default recipe, on the BLAS threads NumPy has.

    With `augment` (see augment.KINDS) every image of the epoch is distorted afresh, as in training.
    `net` computes it: network.py, or mlp.Net() for the same network built from layers.py's blocks.
    """
    config = train.Config(batch_size=batch, hidden=hidden, epochs=1000, augment=augment)
    state = train.new_state(config, net)
    total_steps = config.epochs * math.ceil(len(data.X_train) / batch)

    def run() -> None:
        with flushed_to_zero():  # as train.train does around every epoch
            train.run_epoch(config, state, data, total_steps, net)

    return run


def torch_epoch(X: np.ndarray, y: np.ndarray, batch: int, hidden: int = 256) -> Callable[[], None] | None:
    """The same model in PyTorch eager with optim.SGD(momentum=0.9) on float32 rows X; None without torch."""
    try:
        import torch
    except ImportError:
        return None
    params = network.init_params(n_hidden=hidden)  # same starting weights as justnumpy
    nn = torch.nn
    model = nn.Sequential(nn.Linear(N_IN, hidden), nn.ReLU(), nn.Linear(hidden, N_OUT))
    with torch.no_grad():
        for layer, w, b in ((model[0], "W1", "b1"), (model[2], "W2", "b2")):
            layer.weight.copy_(torch.from_numpy(params[w].T.copy()))
            layer.bias.copy_(torch.from_numpy(params[b]))
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    X, y = torch.from_numpy(X), torch.from_numpy(y.astype(np.int64))  # shares X's memory, no copy
    generator = torch.Generator().manual_seed(0)

    def run() -> None:
        torch.set_num_threads(blas_threads())  # as many threads as justnumpy's BLAS
        torch.set_flush_denormal(True)  # as justnumpy trains (training/denormals.py)
        order = torch.randperm(len(X), generator=generator)
        X_shuf, y_shuf = X[order], y[order]  # one gather per epoch (run_epoch gathers batch by batch)
        for i in range(0, len(X), batch):
            opt.zero_grad(set_to_none=True)
            loss = torch.nn.functional.cross_entropy(model(X_shuf[i : i + batch]), y_shuf[i : i + batch])
            loss.backward()
            opt.step()

    return run


def sklearn_epoch(X: np.ndarray, y: np.ndarray, batch: int, hidden: int = 256) -> Callable[[], None] | None:
    """scikit-learn's MLPClassifier (sgd, momentum 0.9) on float32 rows X, one partial_fit epoch per call."""
    try:
        from sklearn.neural_network import MLPClassifier
    except ImportError:
        return None
    mlp = MLPClassifier(
        hidden_layer_sizes=(hidden,),
        solver="sgd",
        batch_size=batch,
        momentum=0.9,
        nesterovs_momentum=False,
        learning_rate_init=0.01,
        alpha=0.0,
        random_state=0,
    )
    classes = np.arange(N_OUT)

    def run() -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            mlp.partial_fit(X, y, classes=classes)

    return run


def gemm_step(batch: int, hidden: int, threads: int | None, reps: int) -> Callable[[], float]:
    """A function that runs the five products of one step `reps` times and returns seconds per step."""
    rng = np.random.default_rng(0)
    f32 = np.float32
    X, W1 = rng.random((batch, N_IN), dtype=f32), rng.random((N_IN, hidden), dtype=f32)
    A1, W2 = rng.random((batch, hidden), dtype=f32), rng.random((hidden, N_OUT), dtype=f32)
    dZ2 = rng.random((batch, N_OUT), dtype=f32)
    Z1, dA1, dW1 = (np.empty(shape, f32) for shape in ((batch, hidden), (batch, hidden), (N_IN, hidden)))
    Z2, dW2 = np.empty((batch, N_OUT), f32), np.empty((hidden, N_OUT), f32)

    def run() -> float:
        with threadpool_limits(threads, user_api="blas") if threads else nullcontext():
            start = time.perf_counter()
            for _ in range(reps):  # the same products, layouts and transposes as network.py
                np.matmul(X, W1, out=Z1)
                np.matmul(A1, W2, out=Z2)
                np.matmul(A1.T, dZ2, out=dW2)
                np.matmul(dZ2, W2.T, out=dA1)
                np.matmul(X.T, dA1, out=dW1)
            return (time.perf_counter() - start) / reps

    return run


def stream_step(hidden: int, reps: int) -> Callable[[], float]:
    """A function that moves one step's `step_bytes` through memory `reps` times; seconds per step.

    np.add(v, g, out=v) over arrays shaped like the parameters reads two floats and writes one, 12
    bytes a parameter, as fast as NumPy streams memory; the step needs 20, so the time is scaled.
    """
    rng = np.random.default_rng(0)
    v, g = ([rng.random(shape, dtype=np.float32) for shape in param_shapes(hidden)] for _ in range(2))

    def run() -> float:
        start = time.perf_counter()
        for _ in range(reps):
            for v_k, g_k in zip(v, g, strict=True):
                np.add(v_k, g_k, out=v_k)
        return (time.perf_counter() - start) / reps * 20 / 12

    return run


def peak_gemm_gflops(size: int = 1024) -> float:
    """GFLOP/s of one big square float32 product: the most the BLAS gets out of this machine."""
    A = np.random.default_rng(0).random((size, size), dtype=np.float32)
    A @ A
    best = min(_seconds(lambda: A @ A) for _ in range(3))
    return 2 * size**3 / best / 1e9


def _seconds(run: Callable[[], object]) -> float:
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


def _stats(samples: list[float]) -> dict[str, float]:
    return {"median": float(np.median(samples)), "min": min(samples), "max": max(samples)}


def contenders(
    data: Split, batches: tuple[int, ...], hidden: int, baselines: bool
) -> dict[str, Callable[[], float]]:
    """Every contender of one bench run: "name/batch" → a function returning seconds per epoch."""
    n = len(data.X_train)
    # PyTorch and scikit-learn get the pixels scaled once, before any timing; justnumpy scales
    # each batch inside its timed epoch, as training does.
    X_float = to_inputs(data.X_train) if baselines else None
    runs: dict[str, Callable[[], float]] = {}
    for b in batches:
        steps, quarter = math.ceil(n / b), max(1, math.ceil(n / b) // 4)  # floors time a quarter epoch
        runs[f"justnumpy/{b}"] = timed(justnumpy_epoch(data, b, hidden))
        for threads in (1, None):  # the products' floor is the faster of one BLAS thread and all of them
            runs[f"gemm{threads or ''}/{b}"] = per_epoch(gemm_step(b, hidden, threads, quarter), steps)
        if baselines and (f := torch_epoch(X_float, data.y_train, b, hidden)) is not None:
            runs[f"torch/{b}"] = timed(f)
    runs["stream"] = stream_step(hidden, reps=STREAM_REPS)  # seconds per step, whatever the batch
    if 128 in batches:  # the same epoch with every image distorted (the `best` recipe's augmentation)
        runs["augmented/128"] = timed(justnumpy_epoch(data, 128, hidden, "affine"))
        # ... and computed by mlp.py's loop over layers.py's blocks instead of network.py's lines
        runs["mlp/128"] = timed(justnumpy_epoch(data, 128, hidden, net=mlp.Net()))
    if baselines and 128 in batches and (f := sklearn_epoch(X_float, data.y_train, 128, hidden)) is not None:
        runs["sklearn/128"] = timed(f)
    return runs


def timed(run: Callable[[], object]) -> Callable[[], float]:
    """A function that calls `run` once and returns its wall seconds."""
    return lambda: _seconds(run)


def per_epoch(step: Callable[[], float], steps: int) -> Callable[[], float]:
    """A function that times `step` (seconds per step) and returns seconds for an epoch of `steps`."""
    return lambda: step() * steps


def measure(
    n: int = 60000,
    batches: tuple[int, ...] = (32, 128, 512),
    repeats: int = 3,
    hidden: int = 256,
    baselines: bool = True,
) -> dict:
    """Time every contender, interleaved, `repeats` times after one warm-up round; return the results."""
    data = random_split(n)
    runs = contenders(data, batches, hidden, baselines)
    samples: dict[str, list[float]] = {name: [] for name in runs}
    # Every contender computes with denormals flushed to zero, as train.train does (denormals.py).
    with flushed_to_zero():
        for round_ in range(repeats + 1):  # round 0 warms up caches, allocators and thread pools
            for name in round_order(list(runs), round_):
                seconds = runs[name]()
                if round_:
                    samples[name].append(seconds)
    stats = {name: _stats(s) for name, s in samples.items()}
    flops, threads = epoch_flops(n, hidden), blas_threads()
    rows = []
    for b in batches:
        jn = stats[f"justnumpy/{b}"]["median"]
        gemm = min(stats[f"gemm1/{b}"]["median"], stats[f"gemm/{b}"]["median"])
        update = stats["stream"]["median"] * math.ceil(n / b)
        torch_s = stats.get(f"torch/{b}", {}).get("median")
        rows.append(
            {
                "batch": b,
                "blas_threads": threads,
                "justnumpy_s_per_epoch": jn,
                "justnumpy_spread": stats[f"justnumpy/{b}"],
                "torch_s_per_epoch": torch_s,
                "torch_spread": stats.get(f"torch/{b}"),
                "gemm_floor_s_per_epoch": gemm,
                "update_floor_s_per_epoch": update,
                "floor_s_per_epoch": gemm + update,
                "fraction_of_floor": (gemm + update) / jn,
                "gemm_gflops": flops / gemm / 1e9,
                "stream_gb_per_s": step_bytes(hidden) * math.ceil(n / b) / update / 1e9,
                "justnumpy_gflops": flops / jn / 1e9,
                "ratio_vs_torch": jn / torch_s if torch_s else None,
            }
        )
    result = {
        "n_examples": n,
        "hidden": hidden,
        "epoch_gflop": flops / 1e9,
        "step_mb": step_bytes(hidden) / 1e6,
        "repeats": repeats,
        "rows": rows,
    }
    main = next((r for r in rows if r["batch"] == 128), rows[0])
    for key in (
        "justnumpy_s_per_epoch",
        "torch_s_per_epoch",
        "ratio_vs_torch",
        "gemm_floor_s_per_epoch",
        "update_floor_s_per_epoch",
        "floor_s_per_epoch",
        "fraction_of_floor",
    ):
        result[key] = main[key]
    augmented = stats.get("augmented/128", {}).get("median")
    result["augmented_s_per_epoch"] = augmented
    result["augmented_spread"] = stats.get("augmented/128")
    # What distorting every image costs, as a multiple of the plain epoch beside it in the same rounds.
    result["augmented_to_plain"] = augmented / main["justnumpy_s_per_epoch"] if augmented else None
    layered = stats.get("mlp/128", {}).get("median")
    result["mlp_s_per_epoch"] = layered
    result["mlp_spread"] = stats.get("mlp/128")
    # The same network through the general code, as a multiple of network.py's epoch in the same rounds.
    result["mlp_to_network"] = layered / main["justnumpy_s_per_epoch"] if layered else None
    result["sklearn_s_per_epoch"] = stats.get("sklearn/128", {}).get("median")
    result["sklearn_spread"] = stats.get("sklearn/128")
    result["peak_gemm_gflops"] = peak_gemm_gflops()
    result["peak_memory_mb"] = peak_memory_mb(data, main["batch"], hidden)
    # The whole process at its largest (kilobytes on Linux): the data, PyTorch, everything.
    result["max_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    result["machine"] = machine()
    return result


def round_order(names: list[str], round_: int) -> list[str]:
    """The order in which the contenders run in round `round_`: a fresh shuffle each round (seeded).

    Whoever runs right after another contender can find the caches or the cores in the state that
    one left them in. A fixed order, or a rotation of it, would give every contender the same
    predecessor in every round; a shuffle spreads that effect over all of them.
    """
    return [names[i] for i in np.random.default_rng([7, round_]).permutation(len(names))]


def peak_memory_mb(data: Split, batch: int, hidden: int) -> float:
    """Most memory NumPy held at once during one justnumpy epoch, on top of the data (tracemalloc)."""
    run = justnumpy_epoch(data, batch, hidden)
    tracemalloc.start()
    run()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 2**20


def machine() -> dict:
    """What the numbers were measured on: CPU, cores, BLAS and its kernel, library versions."""
    blas = numpy_blas()
    info = {
        "cpu": _cpu_name(),
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "blas": f"{blas.get('internal_api')} {blas.get('version')}",
        "blas_kernel": blas.get("architecture"),
        "blas_threads": blas.get("num_threads"),
    }
    for key, package in (("torch", "torch"), ("sklearn", "scikit-learn")):
        try:  # the installed version, without the seconds of importing it
            info[key] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            info[key] = None
    return info


def _cpu_name() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            return next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        return platform.processor() or "unknown"


# What `bench --time-to-98` and `--time-to-99` time: the default recipe, and the one recipes.py names.
TIME_TO = {"98": ("cosine", 0.98), "99": (recipes.TIME_TO_99, 0.99)}


def time_to(raw: tuple[np.ndarray, ...], recipe: str, target: float, seeds: int = 3) -> dict:
    """Train `recipe` with seeds 0..seeds−1 on real data: its accuracy, its time, when it reached `target`.

    "reached" is whether the mean final test accuracy over the seeds is at least `target`;
    "seconds" is one run's wall time (training and scoring, the median of the seeds), as the
    ladder counts it; "seconds_to_target" the median time until a run's test accuracy first
    reached `target` (None if a run never did).
    """
    runs = [clocked_run(recipes.config(recipe, seed=seed), raw, target) for seed in range(seeds)]
    test = [r["test_acc"] for r in runs]
    to_target = [r["seconds_to_target"] for r in runs]
    return {
        "recipe": recipe,
        "target": target,
        "epochs": recipes.config(recipe).epochs,
        "val_mean": statistics.fmean(r["val_acc"] for r in runs),
        "test_mean": statistics.fmean(test),
        "test_std": statistics.stdev(test) if seeds > 1 else None,
        "reached": statistics.fmean(test) >= target,
        "seconds": statistics.median(r["seconds"] for r in runs),
        "seconds_to_target": None if None in to_target else statistics.median(to_target),
        "runs": runs,
    }


def clocked_run(config: train.Config, raw: tuple[np.ndarray, ...], target: float) -> dict:
    """One run of `config`: final accuracies, wall seconds, and when test accuracy first reached `target`."""
    start, finished = time.perf_counter(), []

    def clock(event: dict) -> None:  # when each epoch's line would be printed
        if event["kind"] == "epoch":
            finished.append(time.perf_counter() - start)

    state = train.train(config, raw, callbacks=[clock])
    seconds = time.perf_counter() - start
    accs = state.history["test_acc"]
    epoch = next((e for e, acc in enumerate(accs, 1) if acc >= target), None)
    return {
        "seed": config.seed,
        "val_acc": state.history["val_acc"][-1],
        "test_acc": accs[-1],
        "seconds": seconds,
        "epoch_reached": epoch,
        "seconds_to_target": finished[epoch - 1] if epoch else None,
    }
