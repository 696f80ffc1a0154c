"""Write it yourself: the exercise, the bug zoo, and `justnumpy check`, which names your bug.

template.py    the exercise's network, written out; the source of the two below
skeleton.py    `justnumpy exercise start`: my_network.py with TODO bodies, and EXERCISE.md
zoo.py         `justnumpy exercise bugs`: copies of the network with one classic bug each
files.py       writing those files, never over an existing one
checker.py     `justnumpy check`: runs the steps in a worker process (runner.py), with time limits
checks.py      the steps, in the order a learner writes the network
diagnose.py    naming the bug from the numbers (ratios, shapes, signs, which gradients are off)
bugs.py        the classic mistakes: name, why, and the section of docs/math.md to read
learner.py     loading the learner's file, reporting its errors with their own lines only, and
               load_network(), their functions guarded for `justnumpy train --network`
report.py      the checklist, as text and as JSON
"""

from justnumpy.exercise.learner import load_network

__all__ = ["load_network"]
