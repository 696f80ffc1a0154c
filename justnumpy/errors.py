"""The project's own error types: anything a user handed in that we cannot use.

The command line turns each of these into one line, `justnumpy: error: <message>`, and exit
status 1; the message must name the thing (a file, a value) and say what was wrong with it.
"""


class JustNumpyError(Exception):
    """A problem with the user's input or environment, explained in `str(error)`."""


class SettingsError(JustNumpyError):
    """A training setting that cannot work: a size of 0, 50 layers, an unknown activation.

    The command line answers it with exit status 2, as it does a bad option.
    """


class DataError(JustNumpyError):
    """A dataset file is missing, corrupt, or not what MNIST-style data should be."""


class DataNotFound(DataError):
    """The dataset files are not where they were looked for (and could not be downloaded)."""


class ModelFileError(JustNumpyError):
    """A model file cannot be read, or holds something other than a justnumpy model."""


class ImageError(JustNumpyError):
    """An image file cannot be read, is too large, or cannot be turned into an MNIST-style input."""


class NoDigitError(ImageError):
    """The image was read, but it is blank or nearly blank: there is no digit to classify."""
