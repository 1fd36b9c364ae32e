"""Confidence as the chance that a hit is the right answer, fitted on labelled questions.

The index measures its evidence for a hit in three ways, each telling only part of the story:

- the *evidence*: the idf-weighted share of the question's informative words the item
  matches, raised when the question holds one of its phrases whole (index.py `_confidence`);
  a long question told as a story ("ông đi khám bệnh quên đem thẻ …") matches a small share
  even when it is plainly about the item;
- the *strength*: the BM25F score in units of the rarest word's weight, which grows with every
  informative word matched in a title, keyword or example, whatever else the question says;
- the *lead*: the hit's score as a share of the best hit's, so that the runners-up of a clear
  winner are not offered as confidently as it.

A logistic model joins them: confidence = 1 / (1 + e^-(bias + evidence·w1 + ln(1 + strength)·w2
+ lead·w3)). Its weights are fitted (L2-regularised logistic regression, Newton's method) on the
labelled sets, tests/fixtures/search_queries.yaml and search_calibration.yaml (each hit of the
top 3 labelled right or wrong) and search_off_topic.yaml and the calibration set's off-topic
messages (every hit wrong), by `python bench/understanding.py --fit`, which prints the weights
to paste below; `--sweep` gives the precision/recall trade-off the default threshold
(`handlers.search.DEFAULT_MIN_CONFIDENCE`) was chosen from; docs/BENCHMARKS.md keeps the
figures. Refit after large changes to the content or to the index's scoring.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, slots=True)
class Calibration:
    bias: float
    evidence: float
    strength: float
    lead: float

    def confidence(self, evidence: float, score: float, best: float, unit: float) -> float:
        """The chance the hit is right; 0 when it matches nothing the question asks."""
        if evidence <= 0 or score <= 0:
            return 0.0
        weights = (self.bias, self.evidence, self.strength, self.lead)
        z = sum(w * x for w, x in zip(weights, features(evidence, score, best, unit), strict=True))
        return 1.0 / (1.0 + math.exp(-z))


# Fitted on 2026-12-06 (content of commit b4a168c) on the public sets (385 on-topic, 144
# off-topic) and the calibration set (480 on-topic, 120 off-topic; 3,355 hits, 1,260 right):
# `python bench/understanding.py --fit`. The content's later words move a refit by under 0.15
# on each weight.
FITTED = Calibration(bias=-10.69, evidence=3.5, strength=1.69, lead=5.8)


def features(evidence: float, score: float, best: float, unit: float) -> list[float]:
    """The model's inputs for one hit, the constant first."""
    return [1.0, evidence, math.log1p(score / unit), score / best if best > 0 else 1.0]


def fit(rows: Sequence[Sequence[float]], right: Sequence[bool], l2: float = 1.0) -> Calibration:
    """Logistic regression of `right` on `rows` (from `features`), the bias not penalised."""
    x = np.asarray(rows, dtype=np.float64)
    y = np.asarray(right, dtype=np.float64)
    penalty = np.diag([0.0] + [l2] * (x.shape[1] - 1))
    w = np.zeros(x.shape[1])
    for _ in range(100):
        p = 1.0 / (1.0 + np.exp(-(x @ w)))
        gradient = x.T @ (p - y) + penalty @ w
        hessian = (x.T * (p * (1.0 - p))) @ x + penalty
        step = np.linalg.solve(hessian, gradient)
        w -= step
        if float(np.abs(step).max()) < 1e-9:
            break
    return Calibration(*(round(float(v), 2) for v in w))
