"""The pytest plugin: .lsr files collected as one test item per example block (pytester)."""
from __future__ import annotations

from importlib.metadata import entry_points

pytest_plugins = ("pytester",)

SPEC = '''spec answer {
  no_comma AND words >= 3

  example pass "one two three"

  example fail "one, two, three" score 0.25
}
'''


def test_the_plugin_is_registered_as_a_pytest11_entry_point():
    [ep] = [e for e in entry_points(group="pytest11") if e.name == "lsr"]
    assert ep.value == "lsr_dsl.testing.pytest_plugin"


def test_spec_files_are_collected_one_item_per_example(pytester):
    pytester.makefile(".lsr", answer=SPEC)
    result = pytester.runpytest("-v")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*answer.lsr::answer/example 1 (pass) PASSED*",
            "*answer.lsr::answer/example 2 (fail) FAILED*",
        ]
    )
    out = result.stdout.str()
    assert "expected to fail with score 0.25 ± 0.005, but scored 0.5000" in out
    assert "✗ no_comma" in out and "✓ words >= 3" in out  # the trace, as lsr check prints it


def test_directories_are_searched_and_passing_files_pass(pytester):
    pytester.mkdir("specs")
    (pytester.path / "specs" / "ok.lsr").write_text(SPEC.replace("score 0.25", "score 0.5"), encoding="utf-8")
    result = pytester.runpytest()
    result.assert_outcomes(passed=2)
    assert result.ret == 0


def test_a_spec_that_does_not_compile_is_one_failing_item(pytester):
    pytester.makefile(".lsr", broken='spec b {\n  no_coma\n\n  example pass "x"\n}\n')
    result = pytester.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*broken.lsr:2:3: error: unknown constraint 'no_coma'*", "*did you mean 'no_comma'?*"])


def test_files_without_examples_give_no_items(pytester):
    pytester.makefile(".lsr", plain="no_comma AND words >= 3\n")
    result = pytester.runpytest()
    assert result.ret == 5  # pytest: no tests collected
    result.assert_outcomes()


def test_collection_can_be_turned_off(pytester):
    pytester.makefile(".lsr", answer=SPEC)
    pytester.makeini("[pytest]\nlsr_collect = false\n")
    assert pytester.runpytest().ret == 5
    pytester.makeini("[pytest]\n")
    assert pytester.runpytest("-p", "no:lsr").ret == 5


def test_python_tests_run_beside_spec_files(pytester):
    pytester.makefile(".lsr", answer=SPEC.replace("score 0.25", "score 0.5"))
    pytester.makepyfile("def test_plain():\n    assert True\n")
    pytester.runpytest().assert_outcomes(passed=3)


def test_this_suite_does_not_collect_its_own_spec_files(request):
    """examples/ is tested through `lsr test` (test_spectest.py); tests/golden/ holds copies of it."""
    assert request.config.getini("lsr_collect") is False
