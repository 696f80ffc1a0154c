"""justnumpy: a 784-256-10 neural network for handwritten digits, written in NumPy and explained.

The rooms of the house:

    network.py optim.py augment.py gradcheck.py   the math, NumPy only: what people come to read
    train.py                                      the training loop, top to bottom
    data.py                                       MNIST in: find, download, verify, parse
    training/    settings, batches (and the thread that distorts them), checkpoints, callbacks,
                 the doctor, recipes, CPU settings
    files/       model files and your own images
    see/         plots and the step-by-step explanation
    measure/     the benchmark, the sweeps and the accuracy ladder
    web/         the draw-a-digit page
    exercise/    write the network yourself, and a checker that names your bug
    commands/    the `justnumpy` command line, one module per subcommand

    from justnumpy import data, network, optim, train
"""

__version__ = "0.1.0"
