"""Seeing it learn: the pictures of `justnumpy plot` and the step-by-step trace of `justnumpy explain`."""

# Where "dead" means stuck: a ReLU unit that outputs 0 for every image passes back no gradient,
# so it never learns again. A leaky ReLU, sigmoid or tanh unit always passes some back.
UNITS_CAN_DIE = ("relu",)
