"""The model the page serves: what the Draw view reads, swapped whole when training or teaching ends."""

from __future__ import annotations

import dataclasses
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from justnumpy import model as models
from justnumpy import network
from justnumpy.files import modelfile
from justnumpy.training import checkpoint


@dataclass(frozen=True)
class Model:
    """What the Draw view reads. Replaced as a whole, never changed in place, so that a request
    that took one keeps a consistent set of weights while another request swaps in a new one."""

    params: network.Params
    detector: dict[str, np.ndarray] | None = None
    name: str = "model"
    source: str = "file"  # "file", "trained on this page", "taught on this page"
    accuracy: float | None = None  # test accuracy, when the file's history has it
    lr: float = 0.1  # the learning rate "teach it" steps with by default (the model's own)
    meta: dict[str, Any] = dataclasses.field(default_factory=dict)  # the file's meta, for a download
    run: Any = None  # the web.trainer.Run that made it, if it was trained on this page
    net: models.Net = None  # the math that computes it; None: the one its meta names (model.net_from_meta)

    def __post_init__(self) -> None:
        if self.net is None:  # frozen: set once, here, before anyone reads it
            object.__setattr__(self, "net", models.net_from_meta(self.meta, self.params))

    @property
    def sizes(self) -> tuple[int, ...]:
        """(784, n_1, ..., 10): the inputs, each hidden layer, the outputs."""
        return models.sizes(self.params)

    def describe(self) -> dict[str, Any]:
        """The JSON of GET /api/model."""
        return {
            "name": self.name,
            "sizes": list(self.sizes),
            "hidden": list(self.sizes[1:-1]),
            **models.describe(self.net),  # activation, loss
            "accuracy": self.accuracy,
            "source": self.source,
            "detector": self.detector is not None,
        }


class Served:
    """The model the page serves: read with `.model`, swapped with `.swap` (one writer at a time)."""

    def __init__(self, model: Model) -> None:
        self.model = model
        self.lock = threading.Lock()

    def swap(self, model: Model, expected: Model | None = None) -> bool:
        """Serve `model` from now on; with `expected`, only if that is still the one served."""
        with self.lock:
            if expected is not None and self.model is not expected:
                return False
            self.model = model
            return True


def model_from_file(
    params: network.Params, meta: dict, extra: dict, name: str, net: models.Net = None
) -> Model:
    """A Model from what modelfile.load returns; `net` computes it (None: the one its meta names)."""

    def number(value: Any) -> float | None:
        return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None

    accuracy = number((meta.get("history", {}).get("test_acc") or [None])[-1])
    config = meta.get("config") if isinstance(meta.get("config"), dict) else {}
    lr = number(config.get("lr")) or 0.1
    detector = modelfile.read_detector(meta, extra, name)
    return Model(params, detector, name, accuracy=accuracy, lr=lr, meta=meta, net=net)


def write_model(path: Path, model: Model) -> None:
    """Save the served model as a model file: resumable (a checkpoint) when it is a run's last epoch."""
    run = model.run
    if run is not None and run.state.batch == 0 and run.state.params is model.params:
        checkpoint.save(str(path), run.config, run.state)  # weights, optimizer, history, detector
        return
    sizes = {"sizes": list(model.sizes), **models.describe(model.net)}  # what checkpoint.save records
    meta = {**model.meta, "dataset": "mnist", **sizes, "source": model.source}
    meta.pop("format_version", None)  # modelfile.save writes its own
    extra = {}
    if model.detector is not None:
        extra, meta["novelty"] = modelfile.detector_entries(model.detector)
    modelfile.save(path, model.params, meta, extra)
