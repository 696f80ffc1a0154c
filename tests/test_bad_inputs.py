"""The bad-input corpus: everything a user can hand the command line, broken in every way we know.

Each case prepares files in its own folder, runs `justnumpy ARGS` (in-process, with every warning
turned into an error so that nothing can print raw), and must end with exactly one stderr line
`justnumpy: error: …` containing the case's fragment, the expected exit status (2 for a bad
command line, 1 for anything else), and every file that was there before unchanged, with no
new file left behind.

Layout of a case's folder: d/ holds a good tiny dataset, good.npz a good model trained on it
(hidden 8); a case's `setup` breaks or adds files before the command runs.
"""

from __future__ import annotations

import dataclasses
import errno
import gzip
import json
import os
import shutil
import warnings
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from justnumpy import commands as cli
from justnumpy import data, network, train
from justnumpy.files import modelfile
from tests.helpers import make_dataset, run_cli

IMAGES, LABELS = "train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"
TEST_LABELS = "t10k-labels-idx1-ubyte.gz"


def idx(array: np.ndarray, magic: int | None = None, dims: tuple[int, ...] | None = None) -> bytes:
    """Uncompressed IDX bytes of `array`; `magic` and `dims` can lie about it."""
    magic = magic if magic is not None else (2051 if array.ndim == 3 else 2049)
    dims = dims if dims is not None else array.shape
    return magic.to_bytes(4, "big") + b"".join(d.to_bytes(4, "big") for d in dims) + array.tobytes()


def images(n: int = 600, size: int = 28) -> np.ndarray:
    return np.zeros((n, size, size), np.uint8)


def labels(n: int = 600, top: int = 9) -> np.ndarray:
    return (np.arange(n) % (top + 1)).astype(np.uint8)


def put(name: str, raw: bytes, compress: bool = True) -> Callable[[Path], None]:
    """Setup: replace dataset file `name` with `raw` (gzip-compressed unless told otherwise)."""

    def setup(t: Path) -> None:
        (t / "d" / name).unlink()
        (t / "d" / name).write_bytes(gzip.compress(raw) if compress else raw)

    return setup


def model(meta: np.ndarray | None = None, **changes: object) -> Callable[[Path], None]:
    """Setup: m.npz = good.npz with arrays (or meta_<key> entries) replaced, None removing one."""

    def setup(t: Path) -> None:
        with np.load(t / "good.npz", allow_pickle=False) as npz:
            arrays = {k: npz[k] for k in npz.files}
        fields = json.loads(str(arrays["meta"]))
        for k, v in changes.items():
            table, key = (fields, k.removeprefix("meta_")) if k.startswith("meta_") else (arrays, k)
            if v is None:
                del table[key]
            else:
                table[key] = v
        arrays["meta"] = meta if meta is not None else np.array(json.dumps(fields))
        np.savez(t / "m.npz", **arrays)

    return setup


def write(name: str, raw: bytes | None = None, folder: bool = False) -> Callable[[Path], None]:
    """Setup: a file (or a folder) `name` in the case's folder."""

    def setup(t: Path) -> None:
        if folder:
            (t / name).mkdir(parents=True)
        else:
            (t / name).write_bytes(raw or b"")

    return setup


def good_model_cut(t: Path) -> None:
    raw = (t / "good.npz").read_bytes()
    (t / "m.npz").write_bytes(raw[: len(raw) // 2])


def npy_claiming_huge_array(t: Path) -> None:
    # A zip whose W1.npy header promises 784 × 10^10 float32 values but holds a few bytes.
    header = "{'descr': '<f4', 'fortran_order': False, 'shape': (784, 10000000000), }"
    header += " " * (63 - len(header) % 64) + "\n"
    npy = b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header.encode() + b"\0" * 64
    with zipfile.ZipFile(t / "m.npz", "w") as z:
        z.writestr("W1.npy", npy)


def a_zip_of_text(t: Path) -> None:
    with zipfile.ZipFile(t / "m.npz", "w") as z:
        z.writestr("notes.txt", "hello")


def disk_full(monkeypatch: pytest.MonkeyPatch) -> None:
    def savez(file, **arrays):  # writes a little, then the disk is full
        file.write(b"PK partial")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(np, "savez", savez)


def no_memory(monkeypatch: pytest.MonkeyPatch) -> None:
    def init_params(*args, **kwargs):
        raise MemoryError("Unable to allocate 2.00 TiB for an array with shape (784, 700000000)")

    monkeypatch.setattr(network, "init_params", init_params)


@dataclass
class Case:
    name: str
    args: str  # the command line; {t} is the case's folder, {d} its good dataset folder
    status: int
    fragment: str  # must appear in the single stderr line
    setup: Callable[[Path], None] | None = None
    patch: Callable[[pytest.MonkeyPatch], None] | None = None
    root_skip: bool = False  # root ignores permission bits: the case cannot be set up


TRAIN = "train --data-dir {d} --epochs 1 --hidden 8 --batch-size 50 --quiet --out {t}/new.npz"
EVAL = "evaluate {t}/m.npz --data-dir {d}"
RESUME = "train --resume {t}/m.npz --data-dir {d} --epochs 2 --quiet"

# fmt: off
CASES = [
    # IDX files in a --data-dir
    Case("idx-gzip-cut-short", TRAIN, 1, IMAGES,
         lambda t: (t / "d" / IMAGES).write_bytes((t / "d" / IMAGES).read_bytes()[:-30])),
    Case("idx-payload-truncated", TRAIN, 1, "truncated", put(IMAGES, idx(images())[:-100])),
    Case("idx-trailing-bytes", TRAIN, 1, "trailing bytes", put(LABELS, idx(labels()) + b"\0")),
    Case("idx-wrong-magic", TRAIN, 1, "magic number 2052", put(IMAGES, idx(images(), magic=2052))),
    Case("idx-header-count-too-big", TRAIN, 1, "header implies", put(LABELS, idx(labels(), dims=(601,)))),
    Case("idx-header-claims-4-billion", TRAIN, 1, "claims 4294967295 items",
         put(LABELS, idx(labels(), dims=(2**32 - 1,)))),
    Case("idx-zero-items", TRAIN, 1, "claims 0 items", put(LABELS, idx(labels(0)))),
    Case("idx-not-gzip", TRAIN, 1, "not a readable gzip file", put(IMAGES, idx(images()), compress=False)),
    Case("idx-png-bytes", TRAIN, 1, "not a readable gzip file",
         put(IMAGES, b"\x89PNG\r\n\x1a\n" + bytes(100), compress=False)),
    Case("idx-empty-file", TRAIN, 1, "too short for an IDX header", put(IMAGES, b"", compress=False)),
    Case("idx-empty-gzip", TRAIN, 1, "too short for an IDX header", put(IMAGES, b"")),
    Case("idx-gzip-crc-wrong", TRAIN, 1, "not a readable gzip file",
         lambda t: (t / "d" / LABELS).write_bytes(gzip.compress(idx(labels()))[:-8] + bytes(8))),
    Case("idx-labels-out-of-range", TRAIN, 1, "label 12 is outside 0..9", put(LABELS, idx(labels(top=12)))),
    Case("idx-count-mismatch", TRAIN, 1, "600 train images but 599 train labels",
         put(LABELS, idx(labels(599)))),
    Case("idx-images-labels-swapped", TRAIN, 1, "swapped", put(IMAGES, idx(labels()))),
    Case("idx-not-28x28", TRAIN, 1, "images are 32x32, expected 28x28", put(IMAGES, idx(images(size=32)))),
    Case("idx-file-is-a-folder", TRAIN, 1, "is a folder",
         lambda t: ((t / "d" / IMAGES).unlink(), (t / "d" / IMAGES).mkdir())),
    Case("idx-file-missing", TRAIN, 1, f"missing {TEST_LABELS}", lambda t: (t / "d" / TEST_LABELS).unlink()),
    Case("idx-unreadable", TRAIN, 1, "permission denied",
         lambda t: (t / "d" / LABELS).chmod(0), root_skip=True),
    Case("data-dir-missing", "train --data-dir {t}/nowhere --out {t}/new.npz", 1, "no such folder"),
    Case("data-dir-is-a-file", "train --data-dir {t}/f --out {t}/new.npz", 1, "is not a folder",
         write("f", b"x")),
    # Model files, given to evaluate
    Case("model-missing", EVAL, 1, "no such model file"),
    Case("model-is-a-folder", EVAL, 1, "is not a file", write("m.npz", folder=True)),
    Case("model-text", EVAL, 1, "not a .npz model file", write("m.npz", b"hello, I am text")),
    Case("model-empty", EVAL, 1, "not a .npz model file", write("m.npz", b"")),
    Case("model-npy", EVAL, 1, "not a .npz model file",
         lambda t: np.save(t / "x.npy", np.zeros(3)) or (t / "x.npy").rename(t / "m.npz")),
    Case("model-truncated", EVAL, 1, "m.npz", good_model_cut),
    Case("model-zip-of-text", EVAL, 1, "missing W1, b1, meta", a_zip_of_text),
    Case("model-missing-arrays", EVAL, 1, "its weights are W1 b1 b2", model(W2=None)),
    Case("model-wrong-shape", EVAL, 1, "W1 has shape (100, 8)", model(W1=np.zeros((100, 8), np.float32))),
    Case("model-b1-shape", EVAL, 1, "b1 has shape (9,)", model(b1=np.zeros(9, np.float32))),
    Case("model-int-dtype", EVAL, 1, "W2 has dtype int32", model(W2=np.zeros((8, 10), np.int32))),
    Case("model-complex-dtype", EVAL, 1, "b2 has dtype complex128", model(b2=np.zeros(10, complex))),
    Case("model-string-array", EVAL, 1, "b2 has dtype <U1", model(b2=np.array(list("abcdefghij")))),
    Case("model-nan-weights", EVAL, 1, "W1 contains NaN", model(W1=np.full((784, 8), np.nan, np.float32))),
    Case("model-inf-weights", EVAL, 1, "b2 contains NaN or infinite",
         model(b2=np.full(10, np.inf, np.float32))),
    Case("model-pickled-object", EVAL, 1, "pickled", model(W1=np.array([{"x": 1}], dtype=object))),
    Case("model-huge-array-claim", EVAL, 1, "m.npz", npy_claiming_huge_array),
    Case("model-newer-version", EVAL, 1, "format version 3 is newer", model(meta_format_version=3)),
    Case("model-version-zero", EVAL, 1, "format version 0 does not exist", model(meta_format_version=0)),
    Case("model-version-not-int", EVAL, 1, "no integer format_version", model(meta_format_version="1")),
    Case("model-meta-not-json", EVAL, 1, "not valid JSON", model(meta=np.array("{oops"))),
    Case("model-meta-json-list", EVAL, 1, "must be a JSON object", model(meta=np.array("[1, 2]"))),
    Case("model-meta-numbers", EVAL, 1, "'meta' must be a JSON text", model(meta=np.arange(3))),
    Case("model-meta-deep-json", EVAL, 1, "not valid JSON",
         model(meta=np.array("[" * 100_000 + "]" * 100_000))),
    Case("model-dataset-not-text", EVAL, 1, "m.npz: 'meta' names an unknown dataset ([1])",
         model(meta_dataset=[1])),
    Case("model-unknown-dataset", EVAL, 1, "m.npz: 'meta' names an unknown dataset ('cifar')",
         model(meta_dataset="cifar")),
    # Model files, given to --resume
    Case("resume-missing", RESUME, 1, "no such model file"),
    Case("resume-text", RESUME, 1, "not a .npz model file", write("m.npz", b"text")),
    Case("resume-no-config", RESUME, 1, "cannot resume from this file (it has no 'config')",
         model(meta_config=None)),
    Case("resume-bad-rng", RESUME, 1, "random generator state is unusable",
         model(meta_rng_state={"bit_generator": "PCG64"})),
    Case("resume-rng-overflow", RESUME, 1, "random generator state is unusable",
         model(meta_rng_state={"bit_generator": "PCG64", "state": {"state": -(2**200), "inc": 1},
                               "has_uint32": 0, "uinteger": 0})),
    Case("resume-config-wrong-type", RESUME, 1, "setting hidden must be a list of whole numbers",
         model(meta_config={**dataclasses.asdict(train.Config(hidden=8)), "hidden": "8"})),
    Case("resume-config-unknown-key", RESUME, 1, "unknown settings colour",
         model(meta_config={**dataclasses.asdict(train.Config(hidden=8)), "colour": "red"})),
    Case("resume-config-hidden-mismatch", RESUME, 1, "its weights are 784-8-10 but the settings say 784-9-10",
         model(meta_config={**dataclasses.asdict(train.Config(hidden=9, batch_size=50))})),
    Case("resume-history-not-table", RESUME, 1, "m.npz: 'meta' history is not a table of per-epoch lists",
         model(meta_history=[1, 2])),
    Case("plot-out-is-a-file", "plot {t}/good.npz --data-dir {d} --out {t}/f", 1,
         "f: cannot create folder for pictures", write("f", b"my file")),
    Case("plot-out-under-dev-null", "plot {t}/good.npz --data-dir {d} --out /dev/null/p", 1,
         "cannot create folder for pictures"),
    Case("explain-index-outside", "explain {t}/good.npz --data-dir {d} --index 200", 1,
         "--index 200 is outside the test set (0 to 199)"),
    Case("explain-not-a-model", "explain {t}/m.npz --data-dir {d}", 1, "not a .npz model file",
         write("m.npz", b"text")),
    Case("plot-history-not-table", "plot {t}/m.npz --data-dir {d} --out {t}/pictures", 1,
         "m.npz: 'meta' history is not a table", model(meta_history={"loss": 1})),
    Case("resume-epoch-not-number", RESUME, 1, "epoch 'one' and step 12 must be whole numbers",
         model(meta_epoch="one")),
    Case("resume-epoch-negative", RESUME, 1, "epoch -1 and step 12 must be whole numbers",
         model(meta_epoch=-1)),
    Case("resume-optimizer-buffer-missing", RESUME, 1, "the saved optimizer state has no 'v_W1'",
         model(opt_v_W1=None)),
    Case("resume-optimizer-buffer-shape", RESUME, 1, "optimizer buffer v_b1 has shape (3,), not (8,)",
         model(opt_v_b1=np.zeros(3, np.float32))),
    Case("resume-optimizer-buffer-nan", RESUME, 1, "optimizer buffer v_b2 holds NaN or infinite numbers",
         model(opt_v_b2=np.full(10, np.nan, np.float32))),
    Case("resume-format-1", RESUME, 1, "written by an older justnumpy (format 1); it still works as a model",
         model(meta_format_version=1)),
    Case("resume-change-hidden", RESUME + " --hidden 9", 1, "cannot change hidden when resuming",
         lambda t: shutil.copy(t / "good.npz", t / "m.npz")),
    Case("resume-change-dataset", RESUME + " --dataset fashion-mnist", 1, "cannot change dataset",
         lambda t: shutil.copy(t / "good.npz", t / "m.npz")),
    # Values on the command line
    Case("lr-negative", "train --lr -1", 2, "argument --lr: must be a finite number > 0"),
    Case("lr-zero", "train --lr 0", 2, "argument --lr: must be a finite number > 0, got 0"),
    Case("lr-nan", "train --lr nan", 2, "argument --lr: must be a finite number > 0, got nan"),
    Case("lr-inf", "train --lr inf", 2, "argument --lr: must be a finite number > 0, got inf"),
    Case("lr-not-a-number", "train --lr fast", 2, "argument --lr: 'fast' is not a number"),
    Case("epochs-zero", "train --epochs 0", 2, "argument --epochs: must be at least 1, got 0"),
    Case("epochs-negative", "train --epochs -3", 2, "argument --epochs: must be at least 1, got -3"),
    Case("epochs-fraction", "train --epochs 1.5", 2, "argument --epochs: '1.5' is not a whole number"),
    Case("batch-zero", "train --batch-size 0", 2, "argument --batch-size: must be at least 1"),
    Case("batch-negative", "train --batch-size -5", 2, "argument --batch-size: must be at least 1"),
    Case("hidden-zero", "train --hidden 0", 2, "argument --hidden: must be at least 1"),
    Case("hidden-negative", "train --hidden -8", 2, "argument --hidden: must be at least 1"),
    Case("hidden-text", "train --hidden many", 2, "argument --hidden: 'many' is not a whole number"),
    Case("seed-negative", "train --seed -1", 2, "argument --seed: must be at least 0, got -1"),
    Case("seed-text", "train --seed abc", 2, "argument --seed: 'abc' is not a whole number"),
    Case("validation-fraction-one", "train --validation-fraction 1", 2, "must be in [0, 1), got 1"),
    Case("validation-fraction-nan", "train --validation-fraction nan", 2, "must be in [0, 1), got nan"),
    Case("dataset-unknown", "train --dataset cifar", 2, "argument --dataset: invalid choice: 'cifar'"),
    Case("optimizer-unknown", "train --optimizer rmsprop", 2, "argument --optimizer: invalid choice"),
    Case("schedule-unknown", "train --schedule step", 2, "argument --schedule: invalid choice"),
    Case("option-unknown", "train --learning-rate 1", 2, "unrecognized arguments: --learning-rate"),
    Case("command-unknown", "fly", 2, "invalid choice: 'fly'"),
    Case("evaluate-no-model", "evaluate", 2, "the following arguments are required: model"),
    Case("gradcheck-hidden-zero", "gradcheck --hidden 0", 2, "argument --hidden: must be at least 1"),
    Case("batch-larger-than-data", TRAIN.replace("50", "5000"), 1, "batch size 5000 is larger than the 570"),
    Case("hidden-too-large", TRAIN.replace("--hidden 8", "--hidden 1000000000000"), 2,
         "each hidden layer must have 1 to 100000 units, got 1000000000000"),
    Case("out-of-memory", TRAIN, 1, "out of memory: Unable to allocate 2.00 TiB", patch=no_memory),
    # Where the model goes
    Case("out-folder-missing", "train --data-dir {d} --out {t}/no/such/m.npz", 1,
         "{t}/no/such does not exist"),
    Case("out-is-a-folder", "train --data-dir {d} --out {t}", 1, "is a folder; give a file name"),
    Case("out-parent-is-a-file", "train --data-dir {d} --out {t}/f/m.npz", 1, "{t}/f is not a folder",
         write("f", b"my file")),
    Case("out-under-dev-null", "train --data-dir {d} --out /dev/null/m.npz", 1, "/dev/null is not a folder"),
    Case("out-is-a-photo-npz", "train --data-dir {d} --out {t}/photo.npz", 1,
         "photo.npz: exists and is not a justnumpy model, so it is not overwritten",
         lambda t: np.savez(t / "photo.npz", pixels=np.zeros((4, 4, 3), np.uint8))),
    Case("out-is-a-text-file", "train --data-dir {d} --out {t}/notes.txt", 1, "is not a justnumpy model",
         write("notes.txt", b"my notes")),
    Case("out-is-a-newer-model", "train --data-dir {d} --out {t}/m.npz", 1, "format version 3 is newer",
         model(meta_format_version=3)),
    Case("out-folder-read-only", "train --data-dir {d} --out {t}/ro/m.npz", 1, "cannot write model file",
         lambda t: ((t / "ro").mkdir(), (t / "ro").chmod(0o555)), root_skip=True),
    Case("out-disk-full", TRAIN.replace("{t}/new.npz", "{t}/good.npz"), 1, "No space left on device",
         patch=disk_full),
]
# fmt: on


@pytest.fixture(scope="module")
def good_files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny dataset and a 1-epoch model (hidden 8) trained on it."""
    folder = tmp_path_factory.mktemp("good")
    make_dataset(folder / "d")
    config = train.Config(epochs=1, hidden=8, batch_size=50)
    train.train(config, data.load("mnist", folder / "d"), out=str(folder / "good.npz"), callbacks=[])
    return folder


def snapshot(folder: Path) -> dict[str, bytes | None]:
    """Every path under `folder` with its bytes (None for folders)."""
    readable = lambda p: p.is_file() and os.access(p, os.R_OK)  # noqa: E731
    return {str(p): (p.read_bytes() if readable(p) else None) for p in sorted(folder.rglob("*"))}


def run_main(argv: list[str], capsys: pytest.CaptureFixture) -> tuple[int, str, str]:
    """cli.main in this process, with any Python or NumPy warning raised as an error."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        try:
            status = cli.main(argv)
        except SystemExit as e:
            status = e.code
    out, err = capsys.readouterr()
    return status, out, err


def prepare(case: Case, tmp_path: Path, good_files: Path) -> list[str]:
    shutil.copytree(good_files / "d", tmp_path / "d")
    shutil.copy(good_files / "good.npz", tmp_path / "good.npz")
    if case.setup:
        case.setup(tmp_path)
    return case.args.format(t=tmp_path, d=tmp_path / "d").split()


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_bad_input_gets_one_clean_error(case, tmp_path, good_files, capsys, monkeypatch):
    if case.root_skip and os.geteuid() == 0:
        pytest.skip("running as root, which ignores file permissions")
    argv = prepare(case, tmp_path, good_files)
    monkeypatch.chdir(tmp_path)  # a default model.npz would land here and be caught below
    monkeypatch.delenv("JUSTNUMPY_DATA", raising=False)
    if case.patch:
        case.patch(monkeypatch)
    before = snapshot(tmp_path)
    status, _, err = run_main(argv, capsys)
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("justnumpy: error: "), err
    assert case.fragment.format(t=tmp_path) in lines[0]
    assert status == case.status, err
    assert snapshot(tmp_path) == before  # nothing overwritten, nothing left behind


def test_corpus_covers_every_kind_of_input():
    kinds = {c.name.split("-")[0] for c in CASES}
    assert {"idx", "data", "model", "resume", "lr", "epochs", "batch", "hidden", "out"} <= kinds
    assert len(CASES) >= 90


@pytest.mark.parametrize(
    "name", ["idx-gzip-crc-wrong", "model-pickled-object", "lr-nan", "out-is-a-photo-npz"]
)
def test_real_process_matches(name, tmp_path, good_files):
    """A few cases again as a real process: the same single line, no traceback, same status."""
    case = next(c for c in CASES if c.name == name)
    argv = prepare(case, tmp_path, good_files)
    r = run_cli(*argv, cwd=tmp_path)
    assert r.returncode == case.status and "Traceback" not in r.stderr
    assert r.stderr.count("\n") == 1 and r.stderr.startswith("justnumpy: error: ")
    assert case.fragment.format(t=tmp_path) in r.stderr


def test_recompressed_copy_in_data_dir_is_accepted(tmp_path, good_files):
    """--data-dir files are checked for structure, not hashes: other gzip bytes, same data."""
    shutil.copytree(good_files / "d", tmp_path / "d")
    original = data.load("mnist", tmp_path / "d")
    for name in data.FILES.values():
        path = tmp_path / "d" / name
        before = path.read_bytes()
        path.write_bytes(gzip.compress(gzip.decompress(before), compresslevel=1, mtime=12345))
        assert path.read_bytes() != before
    for a, b in zip(original, data.load("mnist", tmp_path / "d"), strict=True):
        np.testing.assert_array_equal(a, b)


def test_full_disk_on_save_keeps_the_previous_model(tmp_path, monkeypatch):
    params = network.init_params(n_hidden=4)
    modelfile.save(tmp_path / "m.npz", params, {"run": 1})
    before = (tmp_path / "m.npz").read_bytes()
    disk_full(monkeypatch)
    with pytest.raises(modelfile.ModelFileError, match="m.npz: cannot write model file"):
        modelfile.save(tmp_path / "m.npz", params, {"run": 2})
    assert (tmp_path / "m.npz").read_bytes() == before and os.listdir(tmp_path) == ["m.npz"]
