"""Write it yourself: the exercises, their bug zoos, and `justnumpy check`, which names your bug.

Three exercises share the machinery below: the network (this package's template.py, levels.py,
checks.py, zoo.py, bugs.py and diagnose.py), the layers (layers/) and the optimizers (optimizers/).

kinds.py       the exercises, and which one a file is
template.py    the network exercise written out; the source of its skeleton and its zoo
levels.py      what my_network.py says at levels 1, 2 and 3, and EXERCISE.md
skeleton.py    `justnumpy exercise start`: an exercise's template with TODO bodies, at a level
zoo.py         `justnumpy exercise bugs`: copies of a template with one classic bug each
files.py       writing those files, never over an existing one
checker.py     `justnumpy check`: runs an exercise's steps in a worker process (runner.py), with time limits
checks.py      the network's steps, in the order a learner writes the network
verify.py      what every exercise's steps do with a returned value: copy, compare, insist on types
diagnose.py    naming the network's bug from the numbers (ratios, shapes, signs, which gradients are off)
bugs.py        the network's classic mistakes: name, why, and the section of docs/math.md to read
learner.py     loading the learner's file, reporting its errors with their own lines only
guarded.py     load_network(): a learner's network or layers, guarded for `train --network` and gradcheck
report.py      the checklist, as text and as JSON
"""

from justnumpy.exercise.guarded import load_network

__all__ = ["load_network"]
