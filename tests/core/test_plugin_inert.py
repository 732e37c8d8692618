"""The pytest11 plugin does nothing in other projects' runs unless its options are given."""

from __future__ import annotations

pytest_plugins = ["pytester"]


def test_plugin_is_inert_without_options(pytester):
    pytester.makepyfile("def test_ok():\n    assert True\n")
    result = pytester.runpytest_subprocess()
    result.assert_outcomes(passed=1)
    assert "ocpi target" not in result.stdout.str()


def test_plugin_registers_its_marker_and_options(pytester):
    result = pytester.runpytest_subprocess("--markers")
    result.stdout.fnmatch_lines(["*check(id, spec, level='MUST'*"])
    result = pytester.runpytest_subprocess("--help")
    result.stdout.fnmatch_lines(["*--ocpi-versions-url=URL*"])


def test_plugin_reports_bad_options_as_usage_errors(pytester):
    pytester.makepyfile("def test_ok():\n    assert True\n")
    result = pytester.runpytest_subprocess(
        "--ocpi-versions-url", "ftp://x", "--ocpi-token", "t", "--ocpi-role", "cpo"
    )
    assert result.ret == 4
    result.stderr.fnmatch_lines(["*versions_url 'ftp://x' must be an absolute http*"])
