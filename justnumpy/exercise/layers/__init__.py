"""Write the layers yourself: linear, ReLU, sigmoid and tanh blocks, and the loop that stacks them.

template.py    the exercise's layers, written out; the source of the skeleton and of the zoo
levels.py      what my_layers.py says at levels 1, 2 and 3, and EXERCISE-layers.md
blocks.py      the steps of `justnumpy check` for each block on its own
checks.py      the whole checklist: the blocks, then the stacked network
stack.py       the classic mistakes of the stacking loop, written out, to recognise them
bugs.py        the mistakes the check can name: name, why, the section of docs/math.md to read
zoo.py         `justnumpy exercise bugs --kind layers`: the template with one classic bug each
"""
