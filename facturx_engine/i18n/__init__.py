"""The words of every page the engine shows a person: one catalogue of labels in French, English
and German, and the way each language writes numbers, amounts, rates and dates (through Babel).

Used by the rendered invoice (:mod:`facturx_engine.pdf.render`) and by the view of any received
document (:mod:`facturx_engine.apps.view`). Business terms are labelled by their id
(:func:`term_label`), codes by their list and code (:func:`code_label`), the other words by a key
(:func:`label`, :func:`labels`). Babel is imported on first use, so writing CII or UBL never loads it.
"""

from __future__ import annotations

from facturx_engine.i18n.catalogue import CODE_LISTS, LANGS, code_label, label, labels, term_label, unit_forms
from facturx_engine.i18n.fmt import SYMBOLS, Fmt

__all__ = ["CODE_LISTS", "LANGS", "SYMBOLS", "Fmt", "code_label", "label", "labels", "term_label", "unit_forms"]
