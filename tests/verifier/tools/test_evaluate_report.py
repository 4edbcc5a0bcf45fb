"""The per-class and per-script figures ``verifier eval`` prints, on a made-up report."""

from __future__ import annotations

from verifier.tools.evaluate import Label, Outcome, Report
from verifier.tools.evaluate_report import format_report, per_class, screenshot_catches


def _label(id: str, kind: str, expected: str, locale: str, layout: str = "app",
           must_fail: str = "", app: str = "x") -> Label:
    return Label(id, expected, kind, "x", "follow", "S", locale, "dark", "phone", 0, layout,
                 70, must_fail, app if layout == "app" else "")


def _outcome(id: str, status: str, state: str = "pass") -> Outcome:
    return Outcome(id, status, ("a reason",) if status == "flagged" else (),
                   (("proof.state", state, ""), ("proof.handle", "pass", "")), 1.0)


def test_classes_and_scripts_count_right_decisions() -> None:
    labels = [_label("g1", "genuine", "approved", "en"),
              _label("g2", "genuine", "approved", "bn"),
              _label("g4", "genuine", "approved", "hi", app="instagram"),
              _label("g3", "genuine", "approved", "hi", layout="sandbox"),
              _label("f1", "suggested_done", "flagged", "bn", must_fail="proof.state"),
              _label("f2", "suggested_done", "flagged", "hi", must_fail="proof.state")]
    outcomes = {"g1": _outcome("g1", "approved"), "g2": _outcome("g2", "flagged"),
                "g3": _outcome("g3", "approved"), "g4": _outcome("g4", "flagged"),
                "f1": _outcome("f1", "flagged", "fail"), "f2": _outcome("f2", "flagged", "unknown")}
    report = Report(labels, outcomes, 1, 1.0)
    rows = {line.split()[0] + line.split()[1]: line.split() for line in per_class(report)[2:]}
    # each drawn app page is a class of its own; fraud on drawn pages apart from the rest
    assert rows["genuine,x"][3:7] == ["1/2", "1/1", "0/1", "-"]
    assert rows["genuine,instagram"][3:7] == ["0/1", "-", "-", "0/1"]
    assert rows["genuine,sandbox"][3:7] == ["1/1", "-", "-", "1/1"]
    done = next(line for line in per_class(report) if line.split()[0] == "suggested_done,")
    assert done.split()[1:7] == ["app", "layout", "2/2", "-", "1/1", "1/1"]
    catches = screenshot_catches(report)
    assert catches[1] == "  suggested_done: proof.state 1/2; not failed: f2 (unknown)"
    assert "Per class and script" in format_report(report)


def test_no_catches_section_without_such_labels() -> None:
    report = Report([_label("g1", "genuine", "approved", "en")],
                    {"g1": _outcome("g1", "approved")}, 1, 1.0)
    assert screenshot_catches(report) == []
    assert "\n\n\n" not in format_report(report)
