"""``verifier bench`` end to end on a few proofs, and its memory sampler.

Timings are never asserted (they depend on the host); what is held is that
both arms ran the same proofs, decided them alike, that the naive arm really
launched a browser per proof and the warm arm once, and that every figure
printed is a number.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time

import pytest
from click.testing import CliRunner

from verifier.cli import main
from verifier.tools.bench import Arm
from verifier.tools.bench_memory import TreeSampler, tree

NUMBER = r"\d+(?:\.\d+)?"


@pytest.mark.integration
def test_bench_runs_both_arms_on_the_same_proofs() -> None:
    result = CliRunner().invoke(main, ["bench", "--proofs", "3"])
    assert result.exit_code == 0, result.output
    out = result.stdout
    rows = {}
    for line in out.splitlines():
        fields = line.split()
        if fields and fields[0] in ("warm", "naive") and len(fields) == 9:
            rows[fields[0]] = fields
    assert set(rows) == {"warm", "naive"}, out
    for name, fields in rows.items():
        assert fields[1] == "3", fields
        for figure in fields[2:6]:  # wall, median, p95, proofs/min
            assert float(figure) > 0, (name, fields)
        for mib in fields[6:8]:  # peak RSS and PSS of the arm's process tree
            assert float(mib) > 100, (name, fields)  # Chromium alone is more than this
    assert rows["warm"][8] == "1"  # one launch for all proofs
    assert rows["naive"][8] == "3"  # one launch per proof
    ratios = next(line for line in out.splitlines() if line.startswith("warm/naive"))
    assert len(re.findall(NUMBER, ratios.removeprefix("warm/naive"))) == 6, ratios
    assert "statuses: the same in both arms" in out
    assert "statuses differ" not in out
    assert "warm: 3/3 as the demo expects" in out
    assert "naive: 3/3 as the demo expects" in out
    # Each proof's line: both statuses and both times.
    per_proof = [line for line in out.splitlines() if line.startswith("demo-")]
    assert len(per_proof) == 3, out
    for line in per_proof:
        _base, expected, warm, warm_s, naive, naive_s = line.split()
        assert warm == naive == expected
        float(warm_s), float(naive_s)


def test_sampler_counts_a_child_process_and_its_memory() -> None:
    child = subprocess.Popen([sys.executable, "-c",
                              "b = bytearray(b'x' * 64 * 1024 * 1024); "
                              "import time; time.sleep(30)"])
    try:
        assert child.pid in tree(os.getpid())
        sampler = TreeSampler(child.pid)
        for _ in range(100):  # until the child has touched its 64 MiB
            sampler.sample()
            if (sampler.peak.rss_mib or 0) > 64 and (sampler.peak.pss_mib or 0) > 64:
                break  # both counted once the child has touched every page
            time.sleep(0.1)
        assert sampler.peak.processes == 1
        assert (sampler.peak.rss_mib or 0) > 64  # the bytes it holds, and its interpreter
        assert (sampler.peak.pss_mib or 0) > 64
    finally:
        child.kill()
        child.wait()


def test_p95_is_the_nearest_rank() -> None:
    seconds = {f"p{i}": float(i) for i in range(1, 21)}  # 1 .. 20
    arm = Arm("warm", {k: "approved" for k in seconds}, seconds, wall=60.0, startup=0.0,
              launches=1)
    assert arm.p95 == 19.0
    assert arm.median == 10.5
    assert arm.per_minute == 20.0
