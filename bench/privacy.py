"""Recall and precision of the detection of French personal data, per type, on a generated set
(``bench/privacy_set.py``: a few hundred messages, formats varied as people write them), with
the time per 1,000 characters; beside two baselines measured in the same run: our identifier
recognisers alone (no language model), and Presidio's spaCy names alone.

A found span counts as right when it overlaps a gold span of the same type (a name found as
"Mme Léa Martin" for "Léa Martin" is a hit); recall is per gold span, precision per found span.
Targets: recall >= 0.95 for every identifier type, >= 0.85 for names.

    python bench/privacy.py [--count N] [--json]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from privacy_set import Sample, generated_set

from tools.privacy.pseudonyms import Detector, Entity, IdentifierDetector

TYPES = ("PERSONNE", "NIR", "IBAN", "SIRET", "SIREN", "TELEPHONE", "EMAIL", "ADRESSE",
         "DATE_NAISSANCE")  # fmt: skip


class NamesOnly:
    """Presidio's spaCy recogniser alone, through the French detector's engine."""

    def __init__(self) -> None:
        from tools.privacy.french import french_detector

        self.french = french_detector()

    def find(self, text: str) -> list[Entity]:
        results = self.french._engine.analyze(
            text=text, language="fr", score_threshold=0.5, entities=["PERSON"]
        )
        spacy = [r for r in results if r.recognition_metadata.get("recognizer_name") ==
                 "SpacyRecognizer"]  # fmt: skip
        return [Entity("PERSONNE", r.start, r.end) for r in spacy]


def measure(detector: Detector, samples: list[Sample]) -> dict[str, Any]:
    hits, gold_count, found_count, right = Counter(), Counter(), Counter(), Counter()
    characters = 0
    started = time.perf_counter()
    found_all = []
    for s in samples:
        found_all.append(detector.find(s.text))
        characters += len(s.text)
    elapsed = time.perf_counter() - started
    for s, found in zip(samples, found_all, strict=True):
        for kind, start, end in s.gold:
            gold_count[kind] += 1
            if any(f.type == kind and f.start < end and f.end > start for f in found):
                hits[kind] += 1
        for f in found:
            found_count[f.type] += 1
            if any(k == f.type and f.start < e and f.end > b for k, b, e in s.gold):
                right[f.type] += 1
    per_type = {
        kind: {
            "gold": gold_count[kind],
            "recall": round(hits[kind] / gold_count[kind], 3) if gold_count[kind] else None,
            "precision": round(right[kind] / found_count[kind], 3) if found_count[kind] else None,
        }
        for kind in TYPES
    }
    return {"types": per_type, "ms_per_1000_chars": round(1000 * elapsed / characters * 1000, 2)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=400)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    samples = generated_set(args.count)
    from tools.privacy.french import french_detector

    started = time.perf_counter()
    french = french_detector()
    french.find("Chargement.")
    load = time.perf_counter() - started
    results = {
        "set": {"messages": len(samples), "characters": sum(len(s.text) for s in samples)},
        "load_seconds": round(load, 1),
        "atelier (Presidio + spaCy + our recognisers)": measure(french, samples),
        "baseline: identifiers alone (no language model)": measure(IdentifierDetector(), samples),
        "baseline: Presidio's spaCy names alone": measure(NamesOnly(), samples),
    }
    if args.json:
        print(json.dumps(results, ensure_ascii=False, indent=2))
        return
    print(f"{results['set']['messages']} messages, {results['set']['characters']} characters; "
          f"pipeline loaded in {results['load_seconds']} s")  # fmt: skip
    for name, result in results.items():
        if not isinstance(result, dict) or "types" not in result:
            continue
        print(f"\n{name}: {result['ms_per_1000_chars']} ms per 1,000 characters")
        print(f"  {'type':<15} {'gold':>5} {'recall':>7} {'precision':>9}")
        for kind, row in result["types"].items():
            recall = "-" if row["recall"] is None else f"{row['recall']:.3f}"
            precision = "-" if row["precision"] is None else f"{row['precision']:.3f}"
            print(f"  {kind:<15} {row['gold']:>5} {recall:>7} {precision:>9}")


if __name__ == "__main__":
    main()
