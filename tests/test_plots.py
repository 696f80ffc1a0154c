"""The pictures: each file is a real PNG, and the numbers each one draws are right."""

from __future__ import annotations

import base64
import io
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from justnumpy import data, mlp, model, network, train
from justnumpy.errors import JustNumpyError
from justnumpy.see import figures, mosaic, plots
from tests.helpers import REPO, make_dataset


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory):
    """(params, history, X_test, y_test) of a small network trained on the synthetic digits."""
    raw = data.load("mnist", make_dataset(tmp_path_factory.mktemp("tiny")))
    config = train.Config(epochs=2, hidden=16, batch_size=50, validation_fraction=0.1)
    state = train.train(config, raw, callbacks=[])
    return state.params, state.history, raw[2], raw[3]


def test_write_all_makes_five_valid_pngs(tiny_model, tmp_path):
    params, history, X_test, y_test = tiny_model
    written = plots.write_all(network, params, history, X_test, y_test, "mnist", tmp_path / "new" / "dir")
    assert set(written) == set(plots.FILES)
    for kind, path in written.items():
        assert path.name == plots.FILES[kind] and path.parent == tmp_path / "new" / "dir"
        assert 2_000 < path.stat().st_size < 1_000_000, (kind, path.stat().st_size)
        with Image.open(path) as image:
            image.verify()  # a complete, uncorrupted PNG
        with Image.open(path) as image:
            assert image.format == "PNG"
            assert 500 <= image.width <= 2000 and 250 <= image.height <= 2000, (kind, image.size)
            assert len(image.getcolors(1 << 16)) > 20  # something was drawn, not a blank canvas


def test_fashion_names_and_no_validation_split(tiny_model, tmp_path):
    params, history, X_test, y_test = tiny_model
    history = {**history, "val_acc": [None] * len(history["epoch"])}  # validation_fraction = 0
    written = plots.write_all(network, params, history, X_test, y_test, "fashion-mnist", tmp_path)
    assert len(written) == 5
    written = plots.write_all(network, params, None, X_test, y_test, "mnist", tmp_path / "nohistory")
    assert "curves" not in written and len(written) == 4


def test_unwritable_folder_is_a_clean_error(tiny_model, tmp_path):
    params, history, X_test, y_test = tiny_model
    (tmp_path / "file").write_text("not a folder")
    with pytest.raises(JustNumpyError, match="cannot create folder"):
        plots.write_all(network, params, history, X_test, y_test, "mnist", tmp_path / "file" / "sub")


def test_probabilities_are_network_forward(tiny_model):
    params, _, X_test, _ = tiny_model
    A2 = plots.probabilities(network, params, X_test, batch=37)  # chunking must not change anything
    expected = network.forward(params, data.to_inputs(X_test))["A2"]
    np.testing.assert_allclose(A2, expected, rtol=1e-6, atol=1e-7)


def test_confusion_matrix_counts_every_pair():
    from collections import Counter

    rng = np.random.default_rng(0)
    y_true, y_pred = rng.integers(0, 10, 500), rng.integers(0, 10, 500)
    counts = Counter(zip(y_true.tolist(), y_pred.tolist(), strict=True))  # the slow, obvious way
    cm = plots.confusion_matrix(y_true, y_pred)
    assert cm.shape == (10, 10) and cm.sum() == 500
    for (i, j), count in np.ndenumerate(cm):
        assert count == counts[(i, j)], (i, j)


def test_confusion_matrix_on_real_mnist(mnist_raw):
    X_train, y_train, X_test, y_test = mnist_raw
    config = train.Config(epochs=1, hidden=32, validation_fraction=0)
    state = train.train(config, (X_train[:6000], y_train[:6000], X_test, y_test), callbacks=[])
    A2 = plots.probabilities(network, state.params, X_test)
    cm = plots.confusion_matrix(y_test, A2.argmax(axis=1))
    assert cm.sum() == 10_000
    np.testing.assert_array_equal(cm.sum(axis=1), np.bincount(y_test, minlength=10))  # rows: true class
    accuracy = train.accuracy(network, state.params, data.to_inputs(X_test), y_test.astype(np.intp))
    assert np.trace(cm) / cm.sum() == pytest.approx(accuracy, abs=1e-12)
    assert 0.85 < accuracy < 1


def test_weight_tiles_are_the_columns_of_w1():
    W1 = network.init_params(n_hidden=7, seed=3)["W1"]
    tiles = mosaic.weight_tiles(W1)
    assert tiles.shape == (7, 28, 28)
    for j in range(7):
        np.testing.assert_array_equal(tiles[j].ravel(), W1[:, j])  # row-major, as the images were flattened
    image = mosaic.mosaic(tiles, gap=1)
    assert image.shape == (3 * 29 - 1, 3 * 29 - 1)  # 7 tiles on a 3×3 grid
    np.testing.assert_array_equal(image[29:57, 0:28], tiles[3])  # row 1, column 0
    assert np.isnan(image).sum() == image.size - 7 * 784  # everything else is blank


def test_confident_mistakes_brute_force():
    rng = np.random.default_rng(1)
    A2 = rng.dirichlet(np.full(10, 0.3), size=300)
    y = rng.integers(0, 10, 300)
    idx = plots.confident_mistakes(A2, y, n=15)
    wrong = [i for i in range(300) if A2[i].argmax() != y[i]]
    expected = sorted(wrong, key=lambda i: -A2[i].max())[:15]
    assert list(idx) == expected


def test_sample_is_seeded_and_picks_the_least_sure():
    A2 = np.random.default_rng(2).dirichlet(np.ones(10), size=100)
    random_idx, unsure = plots.sample(A2, n=4, seed=5)
    again, _ = plots.sample(A2, n=4, seed=5)
    np.testing.assert_array_equal(random_idx, again)
    assert len(set(random_idx) | set(unsure)) == 8
    assert set(unsure) == set(np.argsort(A2.max(axis=1))[:4])


def test_no_pyplot_and_no_display_needed(tmp_path):
    code = "import sys, justnumpy.see.plots; print('matplotlib.pyplot' in sys.modules)"
    env = {"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin", "MPLCONFIGDIR": str(tmp_path)}
    r = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0 and r.stdout.strip() == "False", r.stderr


@pytest.fixture(scope="module")
def deep_relu(tmp_path_factory):
    """(net, params, history, X_test, y_test) of a 784-16-12-10 ReLU network trained on synthetic digits."""
    raw = data.load("mnist", make_dataset(tmp_path_factory.mktemp("deep")))
    config = train.Config(epochs=2, hidden=(16, 12), batch_size=50, validation_fraction=0.1)
    net = train.net_for(config)
    state = train.train(config, raw, net=net, callbacks=[])
    return net, state.params, state.history, raw[2], raw[3]


def test_plot_a_deep_model(deep_relu, tmp_path):
    net, params, history, X_test, y_test = deep_relu
    assert model.sizes(params) == (784, 16, 12, 10)
    AL = plots.probabilities(net, params, X_test, batch=37)  # the model's own net: A3 of mlp.forward
    expected = mlp.forward(params, data.to_inputs(X_test))["A3"]
    np.testing.assert_allclose(AL, expected, rtol=1e-5, atol=1e-6)  # float32 sums in chunks of other sizes
    written = plots.write_all(net, params, history, X_test, y_test, "mnist", tmp_path)
    assert set(written) == set(plots.FILES)
    for path in written.values():
        with Image.open(path) as image:
            image.verify()
    without_dead = plots.draw_curves(history, tmp_path / "two-panels.png")
    with Image.open(written["curves"]) as curves, Image.open(without_dead) as two:
        assert curves.width == round(two.width * 3 / 2)  # the dead-unit panel is there


def test_dead_units_one_line_per_hidden_layer():
    history = {"epoch": [1, 2], "dead_per_layer": [[0, 4], [2, 12]], "dead_units": [4, 14]}
    dead = plots.dead_per_layer(history, 2)
    assert dead == [[0, 2], [4, 12]]  # [layer][epoch]
    fig = figures.new(figsize=(5, 4))
    lines = plots.draw_dead_units(fig.subplots(), history["epoch"], dead, (16, 12))
    assert len(lines) == 2
    np.testing.assert_allclose(lines[0].get_ydata(), [0, 12.5])  # % of layer 1's 16 units
    np.testing.assert_allclose(lines[1].get_ydata(), [100 * 4 / 12, 100])  # % of layer 2's 12 units
    assert "hidden layer 2: 12 of 12 units dead after epoch 2" in lines[1].get_label()
    # A file from before the counts per layer has the total of its one hidden layer; deeper, nothing.
    assert plots.dead_per_layer({"epoch": [1, 2], "dead_units": [1, 3]}, 1) == [[1, 3]]
    assert plots.dead_per_layer({"epoch": [1, 2], "dead_units": [1, 3]}, 2) is None
    assert plots.dead_per_layer({"epoch": [1, 2]}, 1) is None


def test_units_that_cannot_die_get_no_dead_panel(tmp_path):
    raw = data.load("mnist", make_dataset(tmp_path / "tiny"))
    config = train.Config(epochs=1, hidden=(16, 12), activation="tanh", batch_size=50)
    state = train.train(config, raw, callbacks=[])
    written = plots.write_all(train.net_for(config), state.params, state.history, *raw[2:], "mnist", tmp_path)
    two = plots.draw_curves(state.history, tmp_path / "two-panels.png")
    with Image.open(written["curves"]) as curves, Image.open(two) as expected:
        assert curves.size == expected.size  # loss and accuracy only: a tanh unit below 0 still learns


def test_the_page_tiles_are_the_same_mosaic():
    rng = np.random.default_rng(4)
    W1 = rng.standard_normal((784, 7)).astype(np.float32)
    W1[:, 1] = 0  # a unit with no weights: a black tile
    url = mosaic.tiles_png(W1, count=5)
    assert url.startswith("data:image/png;base64,")
    with Image.open(io.BytesIO(base64.b64decode(url.split(",", 1)[1]))) as image:
        rgb = np.asarray(image.convert("RGB")).astype(int)
    assert rgb.shape == (2 * 30 - 2, 3 * 30 - 2, 3)  # 5 tiles on a 3×3 grid, 2 rows used, gaps of 2
    inside = np.zeros(rgb.shape[:2], dtype=bool)
    for k in range(5):
        top, left = mosaic.tile_corner(k, 5, gap=2)
        inside[top : top + 28, left : left + 28] = True
        tile, w = rgb[top : top + 28, left : left + 28], W1[:, k].reshape(28, 28)
        if k == 1:
            assert (tile == 0).all()
            continue
        r, c = np.unravel_index(np.abs(w).argmax(), w.shape)  # the tile's largest weight: full red or blue
        full = mosaic.RED if w[r, c] > 0 else mosaic.BLUE
        np.testing.assert_array_equal(tile[r, c], np.round(255 * full))
        shown = tile.sum(axis=-1) > 30  # weights too small to round to a visible colour stay black
        red = tile[..., 0] > tile[..., 2]
        np.testing.assert_array_equal(red[shown], (w > 0)[shown])  # red where positive, blue where negative
    assert (rgb[~inside] == 255).all()  # white between the tiles
