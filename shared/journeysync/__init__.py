"""journeysync's shared layer: the vocabulary, configuration, stores and logic every hop uses."""

__version__ = "0.1.0"
