"""justnumpy: a 784-256-10 neural network for handwritten digits, written in NumPy and explained.

The network itself is `justnumpy.network` (forward, loss, backward, predict); the optimizers are
`justnumpy.optim`; `justnumpy.train` runs the loop; `justnumpy.data` reads MNIST.
"""

__version__ = "0.1.0"
