"""Drawing convlab's figures leaves matplotlib's process-wide state (backend, rcParams) alone."""

import json
import os
import subprocess
import sys
from pathlib import Path

import convlab

SCRIPT = """
import json, sys
from pathlib import Path
import matplotlib
backend, before = matplotlib.get_backend(), dict(matplotlib.rcParams)
import convlab.plot
from convlab.experiments import Figure, Panel, Series
fig = Figure([Panel("p", "t", "e", [Series([0, 1], [1, 0.5], "run")], yscale="log")], "f")
paths = convlab.plot.save(fig, Path(sys.argv[1]) / "f", "passed")
convlab.plot.draw(fig)
print(json.dumps({
    "backend": [backend, matplotlib.get_backend()],
    "changed": sorted(k for k, v in before.items() if matplotlib.rcParams[k] != v),
    "pyplot": "matplotlib.pyplot" in sys.modules,
    "svg_text": "<text" in paths[1].read_text(),
}))
"""


def test_importing_and_drawing_changes_no_global_matplotlib_state(tmp_path):
    """A fresh process on the svg backend: convlab.plot switches nothing, yet its SVGs keep text
    as text (its style applies to its own figures only)."""
    root = Path(convlab.__file__).parents[1]
    env = dict(os.environ, MPLBACKEND="svg")
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(tmp_path)],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    seen = json.loads(done.stdout)
    assert seen["backend"] == ["svg", "svg"]
    assert seen["changed"] == [] and not seen["pyplot"] and seen["svg_text"]
