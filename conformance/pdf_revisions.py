"""Changes made to a PDF after each signature, analysed once per document.

Phân tích các lần cập nhật tăng dần (incremental update) của một tệp PDF sau khi ký — một lần cho cả tệp.

pyHanko's default review compares a signature's revision with every later revision, once per signature:
for a document of *n* signatures that is O(n²) revision comparisons, each growing with the document. Here
each step (revision *k-1* → *k*) is compared once, with pyHanko's own whitelisting rules
(:data:`pyhanko.sign.diff_analysis.DEFAULT_DIFF_POLICY`), and the result cached per step and per
modification-detection setting (a signature's DocMDP level and FieldMDP lock). A signature's modification
level is then the worst level of the steps after its revision.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import (
    DEFAULT_DIFF_POLICY,
    DiffPolicy,
    DiffResult,
    ModificationLevel,
    SuspiciousModification,
)
from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature

# The project's JSON words for pyHanko's levels.
LEVEL_WORDS = {
    ModificationLevel.NONE: "none",
    ModificationLevel.LTA_UPDATES: "lta_updates",
    ModificationLevel.FORM_FILLING: "form_filling",
    ModificationLevel.ANNOTATIONS: "annotations",
    ModificationLevel.OTHER: "other",
}


class AnalysisTimeout(Exception):
    """The document's time budget ran out while comparing revisions."""


@dataclass
class StepResult:
    level: ModificationLevel
    reason: str | None = None  # why a step is suspicious, when it is


@dataclass
class RevisionAnalysis:
    """Lazily compares consecutive revisions of one document, each (step, setting) once."""

    reader: PdfFileReader
    policy: DiffPolicy = DEFAULT_DIFF_POLICY
    deadline: float | None = None  # time.monotonic() value after which analysis stops
    steps_compared: int = 0
    _cache: dict[tuple[int, str, object], StepResult] = field(default_factory=dict)

    @property
    def revisions(self) -> int:
        return int(self.reader.xrefs.total_revisions)

    def _step(self, revision: int, setting: tuple[str, object], emb: EmbeddedPdfSignature) -> StepResult:
        key = (revision, *setting)
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        if self.deadline is not None and time.monotonic() > self.deadline:
            raise AnalysisTimeout()
        self.steps_compared += 1
        try:
            diff = self.policy.apply(old=self.reader.get_historical_resolver(revision - 1),
                                     new=self.reader.get_historical_resolver(revision),
                                     field_mdp_spec=emb.fieldmdp, doc_mdp=emb.docmdp_level)
            result = StepResult(diff.modification_level)
        except SuspiciousModification as exc:
            result = StepResult(ModificationLevel.OTHER, str(exc) or type(exc).__name__)
        self._cache[key] = result
        return result

    def after(self, emb: EmbeddedPdfSignature) -> tuple[ModificationLevel, str | None]:
        """The worst change made after ``emb``'s revision, and the reason when a step was suspicious."""
        setting = (repr(emb.fieldmdp), emb.docmdp_level)
        worst = ModificationLevel.NONE
        reason: str | None = None
        for revision in range(emb.signed_revision + 1, self.revisions):
            step = self._step(revision, setting, emb)
            if step.level > worst:
                worst = step.level
                reason = step.reason or f"revision {revision}"
        return worst, reason


def pyhanko_default_review(emb: EmbeddedPdfSignature) -> DiffResult | SuspiciousModification:
    """pyHanko's own per-signature review (for the benchmark's comparison only)."""
    return DEFAULT_DIFF_POLICY.review_file(emb.reader, emb.signed_revision, field_mdp_spec=emb.fieldmdp,
                                           doc_mdp=emb.docmdp_level)
