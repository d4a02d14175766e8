"""Trial data: what a paper reports for one endpoint, validated on construction, no maths.

- :class:`Binary` (events of n), :class:`Rate` (events over exposure), :class:`NormalData`
  (an estimate and its standard error);
- :class:`PrePostRates`, :class:`PerPatientRates` (event rates before and after treatment);
- :class:`Categorical` (response categories), :class:`AdverseEventTable` (a safety table);
- :class:`TimeToEvent` (patient-level survival data), and :func:`reconstruct_ipd` to rebuild
  it from a digitised Kaplan-Meier curve (Guyot et al. 2012).
"""

from .adverse_events import AdverseEvent, AdverseEventTable
from .categorical import Categorical
from .counts import Binary, NormalData, Rate
from .ipd import reconstruct_ipd
from .rates import PerPatientRates, PrePostRates
from .survival import TimeToEvent

__all__ = [
    "Binary",
    "Rate",
    "NormalData",
    "PrePostRates",
    "PerPatientRates",
    "Categorical",
    "AdverseEvent",
    "AdverseEventTable",
    "TimeToEvent",
    "reconstruct_ipd",
]
