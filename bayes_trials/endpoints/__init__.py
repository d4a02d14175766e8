"""Endpoint kinds. Each module holds one statistical idea: its PyMC model, its exact
posterior and its frequentist reference, side by side."""

from .adverse_events import AdverseEventsEndpoint
from .binary import BinaryEndpoint, BinomialReference
from .categorical import CategoricalEndpoint
from .rates import PatientRateRatioEndpoint, RateRatioEndpoint
from .survival import TimeToEventEndpoint

#: endpoint kinds the spec parser and the report handle: kind (as written in a spec) -> class
KINDS = {"binary": BinaryEndpoint, "rate_ratio": RateRatioEndpoint, "categorical": CategoricalEndpoint,
         "adverse_events": AdverseEventsEndpoint, "time_to_event": TimeToEventEndpoint,
         "rate_ratio_patients": PatientRateRatioEndpoint}

__all__ = ["BinaryEndpoint", "BinomialReference", "RateRatioEndpoint", "CategoricalEndpoint",
           "AdverseEventsEndpoint", "TimeToEventEndpoint", "PatientRateRatioEndpoint", "KINDS"]
