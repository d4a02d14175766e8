"""Endpoint kinds. Each module holds one statistical idea: its PyMC model, its exact
posterior and its frequentist reference, side by side."""

from .binary import BinaryEndpoint, BinomialReference

#: endpoint kind (as written in a spec) -> endpoint class
KINDS = {"binary": BinaryEndpoint}

__all__ = ["BinaryEndpoint", "BinomialReference", "KINDS"]
