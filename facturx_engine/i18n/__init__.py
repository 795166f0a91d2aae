"""The words of every page the engine shows a person: one catalogue of labels in French, English
and German, and the way each language writes numbers, amounts, rates and dates (through Babel).

Used by the rendered invoice (:mod:`facturx_engine.pdf.render`) and by the view of any received
document (:mod:`facturx_engine.apps.view`). Business terms are labelled by their id
(:func:`term_label`); the other words by a key (:func:`label`). Babel is imported on first use, so
writing CII or UBL never loads it.
"""

from __future__ import annotations

from facturx_engine.i18n.catalogue import LANGS, label, term_label
from facturx_engine.i18n.fmt import Fmt

__all__ = ["LANGS", "Fmt", "label", "term_label"]
