"""The state of a training run: what changes while it trains, and how a fresh one starts.

Together with its Config a State determines the rest of the run: the loop (train.py) moves it
forward, a checkpoint (checkpoint.py) saves it and rebuilds it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from justnumpy import model, optim
from justnumpy.training.config import Config


@dataclass
class State:
    """Everything that changes during training; together with Config it determines the future."""

    params: dict[str, np.ndarray]  # W1 b1 ... WL bL
    optimizer: optim.Optimizer
    rng: np.random.Generator
    epoch: int = 0  # epochs completed
    step: int = 0  # optimizer steps taken
    batch: int = 0  # batches done in the epoch in progress (a checkpoint always ends an epoch)
    history: dict[str, list] = field(default_factory=dict)  # one list per measure, one entry per epoch
    detector: dict[str, np.ndarray] | None = None  # "not a digit" (novelty.py), fitted when training ends


def net_for(config: Config) -> model.Net:
    """The math that trains `config`'s network: network.py for the textbook shape, else an mlp.Net."""
    return model.net_for(config.hidden, config.activation, config.loss, config.init)


def new_state(config: Config, net: model.Net | None = None) -> State:
    """Fresh weights from `net` (default: net_for(config)), a fresh optimizer, a seeded generator."""
    net = net or net_for(config)
    init = {} if config.init_scale is None else {"scale": config.init_scale}  # `init` unless asked otherwise
    params = model.init_params(net, config.sizes, seed=config.seed, **init)
    options = {"momentum": config.momentum} if config.optimizer == "momentum" else {}
    return State(
        params=params,
        optimizer=optim.make_optimizer(config.optimizer, params, config.lr, **options),
        rng=np.random.default_rng([config.seed, 2]),  # its own stream: the split uses [seed, 1]
    )
