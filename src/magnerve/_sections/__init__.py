"""Typed sections of the reference data (issue 10): one model per data file, validated on load.

The registry (:mod:`magnerve.registry`) parses each TOML file once and builds its section here;
a file that does not fit its model raises :class:`DataFileError` naming the file and the key
path (``"absorption.toml: model.vmax.value: expected a number, got 'x'"``). Modules read the
typed section (``get_registry().section("interactions")``) instead of indexing raw dicts.

One convention for a sourced value: :class:`SourcedValue` (value, unit, source, confidence).
Data files that keep a table's source and confidence next to plain numbers (``[zinc]`` with
``high_dose_supplement_mg_per_day``, ``source`` and ``confidence``) are read into sections that
give the same view through :meth:`Section.sourced` (the unit is the field's metadata, written
where the field is declared; the number always comes from the data).

Standard library only, so that loading a data file stays cheap on the ``foods search`` path
(no pydantic). Every model is a frozen dataclass; mappings are read-only views.

Layout: the shared machinery (:class:`SourcedValue`, :class:`Section`, :class:`SourcedTree`,
the table reader) is in :mod:`magnerve._sections._base`; each data file's classes and builder
are in a module of their own (``_sections/_interactions.py`` ...; ``_dri.py`` for both DRI
files). A process imports only the modules of the sections it builds: :func:`build_section`
imports the file's module, and the classes named here are loaded on first use (PEP 562).

Examples
--------
>>> from magnerve.registry import get_registry
>>> s = get_registry().section("interactions")
>>> s.lifestyle.caffeine_high_mg_per_day
400
>>> s.lifestyle.sourced("caffeine_high_mg_per_day").unit
'mg/day'
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, cast

from magnerve.errors import DataFileError  # re-exported: ``from magnerve._sections import ...``

if TYPE_CHECKING:  # pragma: no cover
    from magnerve._sections._absorption import AbsorptionData as AbsorptionData
    from magnerve._sections._absorption import AbsorptionModel as AbsorptionModel
    from magnerve._sections._absorption import AgeValue as AgeValue
    from magnerve._sections._base import CONFIDENCE_LEVELS as CONFIDENCE_LEVELS
    from magnerve._sections._base import SEXES as SEXES
    from magnerve._sections._base import GenericData as GenericData
    from magnerve._sections._base import Section as Section
    from magnerve._sections._base import SourcedTree as SourcedTree
    from magnerve._sections._base import SourcedValue as SourcedValue
    from magnerve._sections._bounds import BoundsData as BoundsData
    from magnerve._sections._bounds import Range as Range
    from magnerve._sections._clinical_markers import CkdEpi2021 as CkdEpi2021
    from magnerve._sections._clinical_markers import ClinicalMarkersData as ClinicalMarkersData
    from magnerve._sections._clinical_markers import Cutoff as Cutoff
    from magnerve._sections._clinical_markers import EgfrGolden as EgfrGolden
    from magnerve._sections._clinical_markers import Femg as Femg
    from magnerve._sections._clinical_markers import LabInterval as LabInterval
    from magnerve._sections._clinical_markers import MdsBand as MdsBand
    from magnerve._sections._clinical_markers import MdsGroup as MdsGroup
    from magnerve._sections._clinical_markers import MdsScore as MdsScore
    from magnerve._sections._clinical_markers import Mnsi as Mnsi
    from magnerve._sections._clinical_markers import MnsiCutoff as MnsiCutoff
    from magnerve._sections._clinical_markers import MnsiExamComponent as MnsiExamComponent
    from magnerve._sections._clinical_markers import MnsiItem as MnsiItem
    from magnerve._sections._clinical_markers import SerumMagnesium as SerumMagnesium
    from magnerve._sections._clinical_markers import UrineMagnesium as UrineMagnesium
    from magnerve._sections._conditions import CkdStage as CkdStage
    from magnerve._sections._conditions import Condition as Condition
    from magnerve._sections._conditions import ConditionsData as ConditionsData
    from magnerve._sections._conversions import ConversionsData as ConversionsData
    from magnerve._sections._dri import DriData as DriData
    from magnerve._sections._dri import DriRow as DriRow
    from magnerve._sections._dri import DriTable as DriTable
    from magnerve._sections._energy import EnergyData as EnergyData
    from magnerve._sections._energy import Goldberg as Goldberg
    from magnerve._sections._energy import SchofieldRow as SchofieldRow
    from magnerve._sections._evidence import Citation as Citation
    from magnerve._sections._evidence import Evidence as Evidence
    from magnerve._sections._evidence import EvidenceData as EvidenceData
    from magnerve._sections._familiar_foods import FamiliarFoodsData as FamiliarFoodsData
    from magnerve._sections._homeostasis import HomeostasisData as HomeostasisData
    from magnerve._sections._homeostasis import HomeostasisModel as HomeostasisModel
    from magnerve._sections._interactions import B6Threshold as B6Threshold
    from magnerve._sections._interactions import CalciumAbsorption as CalciumAbsorption
    from magnerve._sections._interactions import CaMgRatio as CaMgRatio
    from magnerve._sections._interactions import GrainWords as GrainWords
    from magnerve._sections._interactions import HardnessClasses as HardnessClasses
    from magnerve._sections._interactions import InteractionsData as InteractionsData
    from magnerve._sections._interactions import LifestyleThresholds as LifestyleThresholds
    from magnerve._sections._interactions import ZincThreshold as ZincThreshold
    from magnerve._sections._limits import LimitsData as LimitsData
    from magnerve._sections._medications import MedicationsData as MedicationsData
    from magnerve._sections._nutrients import NutrientKey as NutrientKey
    from magnerve._sections._nutrients import NutrientsData as NutrientsData
    from magnerve._sections._physiology import CalciumShare as CalciumShare
    from magnerve._sections._physiology import HodgkinHuxley as HodgkinHuxley
    from magnerve._sections._physiology import JahrStevens as JahrStevens
    from magnerve._sections._physiology import NeuronInputs as NeuronInputs
    from magnerve._sections._physiology import PhysiologyData as PhysiologyData
    from magnerve._sections._physiology import Synapses as Synapses
    from magnerve._sections._plan import PlanAdditions as PlanAdditions
    from magnerve._sections._plan import PlanChildren as PlanChildren
    from magnerve._sections._plan import PlanData as PlanData
    from magnerve._sections._plan import PlanLimits as PlanLimits
    from magnerve._sections._plan import PlanPreference as PlanPreference
    from magnerve._sections._plan import PlanSafety as PlanSafety
    from magnerve._sections._plan import PlanSupplements as PlanSupplements
    from magnerve._sections._plan import PlanWeights as PlanWeights
    from magnerve._sections._plan import WordRule as WordRule
    from magnerve._sections._search_lexicon import LexiconData as LexiconData
    from magnerve._sections._servings import Plausibility as Plausibility
    from magnerve._sections._servings import ServingsData as ServingsData
    from magnerve._sections._supplement_forms import SaltForm as SaltForm
    from magnerve._sections._supplement_forms import SupplementFormsData as SupplementFormsData
    from magnerve._sections._units import UnitDef as UnitDef
    from magnerve._sections._units import UnitsData as UnitsData
    from magnerve._sections._within_person_sd import WithinPersonSdData as WithinPersonSdData
    from magnerve._sections._within_person_sd import WithinSd as WithinSd

__all__ = [
    "CONFIDENCE_LEVELS",
    "AbsorptionData",
    "BoundsData",
    "ClinicalMarkersData",
    "DataFileError",
    "DriData",
    "DriRow",
    "DriTable",
    "EnergyData",
    "HomeostasisData",
    "InteractionsData",
    "LimitsData",
    "PhysiologyData",
    "PlanData",
    "Range",
    "Section",
    "ServingsData",
    "SourcedTree",
    "SourcedValue",
    "WithinPersonSdData",
    "WordRule",
    "build_section",
    "known_sections",
]

#: Data file -> the module (in this package) holding its classes and its builder, the function
#: ``_<file>`` (``_interactions``) that reads the file's table into its section.
_BUILDERS: dict[str, str] = {
    "absorption": "_absorption",
    "bounds": "_bounds",
    "clinical_markers": "_clinical_markers",
    "conditions": "_conditions",
    "conversions": "_conversions",
    "dri_magnesium": "_dri",
    "dri_partners": "_dri",
    "energy": "_energy",
    "evidence": "_evidence",
    "familiar_foods": "_familiar_foods",
    "homeostasis": "_homeostasis",
    "interactions": "_interactions",
    "limits": "_limits",
    "medications": "_medications",
    "nutrients": "_nutrients",
    "physiology": "_physiology",
    "plan": "_plan",
    "search_lexicon": "_search_lexicon",
    "servings": "_servings",
    "supplement_forms": "_supplement_forms",
    "units": "_units",
    "within_person_sd": "_within_person_sd",
}

#: Public name -> the module (in this package) defining it, imported on first use (PEP 562).
_LAZY: dict[str, str] = {
    "AbsorptionData": "_absorption",
    "AbsorptionModel": "_absorption",
    "AgeValue": "_absorption",
    "B6Threshold": "_interactions",
    "BoundsData": "_bounds",
    "CONFIDENCE_LEVELS": "_base",
    "CaMgRatio": "_interactions",
    "CalciumAbsorption": "_interactions",
    "CalciumShare": "_physiology",
    "Citation": "_evidence",
    "CkdEpi2021": "_clinical_markers",
    "CkdStage": "_conditions",
    "ClinicalMarkersData": "_clinical_markers",
    "Condition": "_conditions",
    "ConditionsData": "_conditions",
    "ConversionsData": "_conversions",
    "Cutoff": "_clinical_markers",
    "DriData": "_dri",
    "DriRow": "_dri",
    "DriTable": "_dri",
    "EgfrGolden": "_clinical_markers",
    "EnergyData": "_energy",
    "Evidence": "_evidence",
    "EvidenceData": "_evidence",
    "FamiliarFoodsData": "_familiar_foods",
    "Femg": "_clinical_markers",
    "GenericData": "_base",
    "Goldberg": "_energy",
    "GrainWords": "_interactions",
    "HardnessClasses": "_interactions",
    "HodgkinHuxley": "_physiology",
    "HomeostasisData": "_homeostasis",
    "HomeostasisModel": "_homeostasis",
    "InteractionsData": "_interactions",
    "JahrStevens": "_physiology",
    "LabInterval": "_clinical_markers",
    "LexiconData": "_search_lexicon",
    "LifestyleThresholds": "_interactions",
    "LimitsData": "_limits",
    "MdsBand": "_clinical_markers",
    "MdsGroup": "_clinical_markers",
    "MdsScore": "_clinical_markers",
    "MedicationsData": "_medications",
    "Mnsi": "_clinical_markers",
    "MnsiCutoff": "_clinical_markers",
    "MnsiExamComponent": "_clinical_markers",
    "MnsiItem": "_clinical_markers",
    "NeuronInputs": "_physiology",
    "NutrientKey": "_nutrients",
    "NutrientsData": "_nutrients",
    "PhysiologyData": "_physiology",
    "PlanAdditions": "_plan",
    "PlanChildren": "_plan",
    "PlanData": "_plan",
    "PlanLimits": "_plan",
    "PlanPreference": "_plan",
    "PlanSafety": "_plan",
    "PlanSupplements": "_plan",
    "PlanWeights": "_plan",
    "Plausibility": "_servings",
    "Range": "_bounds",
    "SEXES": "_base",
    "SaltForm": "_supplement_forms",
    "SchofieldRow": "_energy",
    "Section": "_base",
    "SerumMagnesium": "_clinical_markers",
    "ServingsData": "_servings",
    "SourcedTree": "_base",
    "SourcedValue": "_base",
    "SupplementFormsData": "_supplement_forms",
    "Synapses": "_physiology",
    "UnitDef": "_units",
    "UnitsData": "_units",
    "UrineMagnesium": "_clinical_markers",
    "WithinPersonSdData": "_within_person_sd",
    "WithinSd": "_within_person_sd",
    "WordRule": "_plan",
    "ZincThreshold": "_interactions",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value  # found directly from now on
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})


def known_sections() -> tuple[str, ...]:
    """Names of the data files that have a typed section."""
    return tuple(sorted(_BUILDERS))


def build_section(name: str, raw: Mapping[str, Any]) -> object:
    """The typed section of data file ``name`` from its parsed TOML.

    Parameters
    ----------
    name : str
        File name without ``.toml`` (``"interactions"``).
    raw : mapping
        The parsed file.

    Returns
    -------
    object
        The file's section (``InteractionsData`` ...), or :class:`GenericData` for a file
        without a model.

    Raises
    ------
    DataFileError
        The file does not fit its model (the message names the file and key path).
    """
    from magnerve._sections._base import GenericData, _At, _freeze

    module = _BUILDERS.get(name)
    if module is None:
        return GenericData(_freeze(dict(raw)))
    build = getattr(importlib.import_module(f"{__name__}.{module}"), f"_{name}")
    return cast(Callable[[_At], object], build)(_At(f"{name}.toml", "", dict(raw)))
