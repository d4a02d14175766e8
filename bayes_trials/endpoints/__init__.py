"""Endpoint kinds. Each module holds one statistical idea: its PyMC model, its exact
posterior and its frequentist reference, side by side."""

from .binary import BinaryEndpoint, BinomialReference
from .rates import RateRatioEndpoint
from .survival import TimeToEventEndpoint

#: endpoint kinds the spec parser and the report handle: kind (as written in a spec) -> class
KINDS = {"binary": BinaryEndpoint, "rate_ratio": RateRatioEndpoint,
         "time_to_event": TimeToEventEndpoint}

__all__ = ["BinaryEndpoint", "BinomialReference", "RateRatioEndpoint", "KINDS"]
