"""`garment-cutout robot` on the sample shoot's true cutouts, both tools, as a user runs it."""

import json

from core.cli.main import main
from core.common import paths


def test_robot_prints_clicks_for_both_tools(capsys):
    results = {}
    for tool in ("smart", "brush"):
        assert main(["robot", "--data", str(paths.SAMPLE_SHOOT / "truth"), "--tool", tool, "--per-view"]) == 0
        results[tool] = json.loads(capsys.readouterr().out.strip())
    for tool, summary in results.items():
        assert summary["tool"] == tool and summary["all_views"]["views"] == 3
        clicks = summary["all_views"]["clicks_to_0.97"]
        assert 0 <= clicks["median"] <= 20 and len(summary["per_view"]) == 3
    # On the studio views the smart click needs no more clicks than the plain brush.
    assert (results["smart"]["all_views"]["clicks_to_0.97"]["mean"]
            <= results["brush"]["all_views"]["clicks_to_0.97"]["mean"])


def test_robot_on_a_missing_folder_is_one_line(tmp_path, capsys):
    assert main(["robot", "--data", str(tmp_path / "nope")]) == 2
    assert capsys.readouterr().err.strip().count("\n") == 0
