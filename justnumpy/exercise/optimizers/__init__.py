"""Write the optimizers yourself: SGD, momentum and Adam, checked step by step against justnumpy/optim.py.

template.py    the exercise's optimizers, written out; the source of the skeleton and of the zoo
levels.py      what my_optimizers.py says at levels 1, 2 and 3, and EXERCISE-optimizers.md
checks.py      the steps of `justnumpy check` for such a file
models.py      the classic mistakes, written out, so that the check can recognise their steps
bugs.py        those mistakes: name, why, and the section of docs/math.md to read
zoo.py         `justnumpy exercise bugs --kind optimizers`: the template with one classic bug each
"""
