"""The figures ``verifier eval`` prints, from a ``verifier.tools.evaluate.Report``.

Plain text a reviewer can paste into the README: the confusion matrix
(expected x decided) overall, per action and per platform; how many genuine
proofs were approved where a live check exists (L/S cells of the DESIGN
table) and, apart, where only the screenshot speaks (P cells, which the
default policy leaves to a moderator); every fraudulent proof that was
approved, with its checks; samples of the reasons given per fraud kind;
throughput.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable

from verifier.tools.evaluate import SCRIPTS, Label, Report

DECIDED = ("approved", "flagged")
REASON_SAMPLES = 2
REASON_WIDTH = 150


def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:5.1f} %" if whole else "    - "


def _cut(text: str, width: int = REASON_WIDTH) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[:width - 1] + "…"


def _matrix(report: Report, labels: Iterable[Label]) -> Counter[tuple[str, str]]:
    return Counter((lb.expected, report.status(lb)) for lb in labels)


def confusion(report: Report) -> list[str]:
    counts = _matrix(report, report.labels)
    decided = [*DECIDED, *sorted({d for _, d in counts} - set(DECIDED))]
    lines = ["Decisions (rows: expected, columns: decided)",
             "  expected   " + "".join(f"{d:>10}" for d in decided)]
    for expected in DECIDED:
        lines.append(f"  {expected:10} " + "".join(f"{counts[(expected, d)]:>10}"
                                               for d in decided))
    return lines


def breakdown(report: Report, title: str, key: Callable[[Label], str]) -> list[str]:
    """Confusion per group: expected approved -> approved/flagged, expected flagged -> ..."""
    groups: dict[str, list[Label]] = defaultdict(list)
    for label in report.labels:
        groups[key(label)].append(label)
    lines = [f"{title:18}{'proofs':>7}   approved->approved  approved->flagged  "
             "flagged->approved  flagged->flagged"]
    for name in sorted(groups):
        m = _matrix(report, groups[name])
        lines.append(f"  {name:16}{len(groups[name]):>7}   {m[('approved', 'approved')]:>18}"
                     f"{m[('approved', 'flagged')]:>19}{m[('flagged', 'approved')]:>19}"
                     f"{m[('flagged', 'flagged')]:>18}")
    return lines


def _rate(report: Report, labels: list[Label]) -> tuple[int, int]:
    return sum(report.status(lb) == "approved" for lb in labels), len(labels)


def genuine_rates(report: Report) -> list[str]:
    live = [lb for lb in report.labels if lb.genuine and lb.cap in ("L", "S")]
    proof_only = [lb for lb in report.labels if lb.genuine and lb.cap == "P"]
    ok, n = _rate(report, live)
    p_ok, p_n = _rate(report, proof_only)
    lines = ["Genuine proofs approved",
             f"  L/S cells (a live check exists): {ok:>4}/{n:<4} {_pct(ok, n)}",
             f"  P cells (proof only):            {p_ok:>4}/{p_n:<4} {_pct(p_ok, p_n)}"
             + (f"   (under the policy {report.policy})" if report.policy else
                "   (the default policy leaves these to a moderator)")]
    for what, attr in (("language", "locale"), ("device", "device"), ("theme", "theme"),
                       ("screenshot", "layout")):
        parts = []
        for value in sorted({getattr(lb, attr) for lb in live}):
            sub = [lb for lb in live if getattr(lb, attr) == value]
            a, m = _rate(report, sub)
            parts.append(f"{value} {a}/{m}")
        lines.append(f"  L/S by {what}: " + ", ".join(parts))
    return lines


def per_class(report: Report) -> list[str]:
    """Each fraud kind and each kind of genuine screenshot, overall and per script:
    right decisions out of proofs, so a class that fails in one script shows."""
    scripts = [*SCRIPTS.values(), "no screenshot"]
    classes = sorted({lb.proof_class for lb in report.labels},
                     key=lambda c: (not c.startswith("genuine"), c))
    lines = ["Per class and script (right decisions / proofs; genuine P-cell proofs are "
             "right when flagged)",
             f"  {'class':34}{'all':>10}" + "".join(f"{s:>17}" for s in scripts)]
    for name in classes:
        group = [lb for lb in report.labels if lb.proof_class == name]
        cells = []
        for members in (group, *([lb for lb in group if lb.script == s] for s in scripts)):
            right = sum(report.status(lb) == lb.expected for lb in members)
            cells.append(f"{right}/{len(members)}" if members else "-")
        lines.append(f"  {name:34}{cells[0]:>10}" + "".join(f"{c:>17}" for c in cells[1:]))
    return lines


def screenshot_catches(report: Report) -> list[str]:
    """Fraud the live check flags anyway: did the screenshot's own check see it too?"""
    by_kind: dict[str, list[Label]] = defaultdict(list)
    for label in report.labels:
        if label.must_fail:
            by_kind[label.kind].append(label)
    if not by_kind:
        return []
    lines = ["Fraud the screenshot itself must give away (the check, failed / proofs)"]
    for kind in sorted(by_kind):
        labels = by_kind[kind]
        check = labels[0].must_fail
        caught = [lb for lb in labels if report.check_outcome(lb, check) == "fail"]
        missed = ", ".join(f"{lb.id} ({report.check_outcome(lb, check)})" for lb in labels
                           if lb not in caught)
        lines.append(f"  {kind}: {check} {len(caught)}/{len(labels)}"
                     + (f"; not failed: {missed}" if missed else ""))
    return lines


def _checks(report: Report, label: Label) -> list[str]:
    outcome = report.outcomes.get(label.id)
    if outcome is None:
        return ["      (no verdict)"]
    return [f"      {name}: {result} - {_cut(detail, 120)}" for name, result, detail
            in outcome.checks]


def fraud_approved(report: Report) -> list[str]:
    approved = report.fraud_approved
    lines = [f"Fraudulent proofs approved: {len(approved) or 'none'}"]
    for label in approved:
        lines.append(f"  {label.id} ({label.kind}, {label.platform} {label.action})")
        lines += _checks(report, label)
    return lines


def genuine_flagged(report: Report) -> list[str]:
    missed = [lb for lb in report.labels if lb.genuine and lb.expected == "approved"
              and report.status(lb) != "approved"]
    lines = [f"Genuine L/S proofs not approved: {len(missed) or 'none'}"]
    for label in missed:
        outcome = report.outcomes.get(label.id)
        reasons = "; ".join(outcome.reasons) if outcome else "no verdict"
        lines.append(f"  {label.id} ({label.locale}, {label.device}, {label.theme}): "
                     f"{_cut(reasons, 300)}")
    return lines


def reason_samples(report: Report) -> list[str]:
    by_kind: dict[str, list[Label]] = defaultdict(list)
    for label in report.labels:
        if label.fraud or label.expected == "flagged":
            by_kind[label.kind if label.fraud else "genuine (P cells)"].append(label)
    lines = ["Flag reasons by kind (a sample)"]
    for kind in sorted(by_kind):
        labels = by_kind[kind]
        flagged = [lb for lb in labels if report.status(lb) == "flagged"]
        lines.append(f"  {kind}: {len(flagged)}/{len(labels)} flagged")
        seen: set[str] = set()
        for label in flagged:
            first = report.outcomes[label.id].reasons[:1]
            if first and first[0] not in seen and len(seen) < REASON_SAMPLES:
                seen.add(first[0])
                lines.append(f"    - {label.id}: {_cut(first[0])}")
    return lines


def throughput(report: Report) -> list[str]:
    n = len(report.outcomes)
    per_proof = [o.seconds for o in report.outcomes.values()]
    mean = sum(per_proof) / n if n else 0.0
    rate = n / report.seconds if report.seconds else 0.0
    return [f"Throughput: {n} proofs in {report.seconds:.0f} s with {report.processes} "
            f"process(es): {rate * 60:.1f} proofs per minute, {mean:.2f} s per proof in one "
            f"process (sandbox and sessions set up in {report.setup_seconds:.1f} s)"]


def format_report(report: Report) -> str:
    genuine = sum(lb.genuine for lb in report.labels)
    kinds = Counter(lb.cap for lb in report.labels)
    head = (f"Corpus: {len(report.labels)} proofs, {genuine} genuine and "
            f"{len(report.labels) - genuine} fraudulent; cells L {kinds['L']}, S {kinds['S']}, "
            f"P {kinds['P']} proofs")
    if report.policy:
        head += (f"\nDecided under the policy {report.policy}; the labels expect the default "
                 "policy (a genuine P-cell proof approved here counts as flagged->approved)")
    without = report.flagged_without_reason()
    sections = [
        [head], confusion(report), genuine_rates(report),
        breakdown(report, "Per action", lambda lb: lb.action),
        breakdown(report, "Per platform", lambda lb: lb.platform),
        breakdown(report, "Per script (screenshot language)", lambda lb: lb.script),
        per_class(report), screenshot_catches(report),
        fraud_approved(report), genuine_flagged(report), reason_samples(report),
        [f"Flagged proofs without a reason: {len(without) or 'none'}"]
        + [f"  {lb.id}" for lb in without],
        throughput(report),
    ]
    return "\n\n".join("\n".join(lines) for lines in sections if lines)
