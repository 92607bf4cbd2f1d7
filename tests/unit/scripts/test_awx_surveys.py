"""The surveys of awx/config.yml are what scripts/awx_surveys.py makes of the argument specs.

Besides the script's --check, each question is compared here with the argument spec on its
own terms (so a hand edit, or a generator bug, fails): the variable is an option of the
spec the marker names, and its type, choices, default, min/max and description match.
"""

import pathlib
import re
import subprocess
import sys

import pytest
import yaml

ROOT = pathlib.Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "scripts"))

import awx_surveys  # noqa: E402

CONFIG_TEXT = (ROOT / "awx" / "config.yml").read_text()
CONFIG = yaml.safe_load(CONFIG_TEXT)
PLAYBOOK_SPECS = yaml.safe_load((ROOT / "awx" / "extra_var_specs.yml").read_text())["argument_specs"]
TYPES = {"str": {"text", "multiplechoice", "password"}, "int": {"integer"}, "float": {"float"},
         "bool": {"multiplechoice"}, "list": {"multiselect", "textarea"}}


def all_options():
    """Every option of every role's main entry point and of every playbook spec: name -> option."""
    options = {}
    for spec in (ROOT / "roles").glob("*/meta/argument_specs.yml"):
        options.update(yaml.safe_load(spec.read_text())["argument_specs"]["main"]["options"])
    for playbook in PLAYBOOK_SPECS.values():
        options.update(playbook["options"])
    return options


OPTIONS = all_options()


def surveyed():
    for section in ("controller_templates", "controller_workflows"):
        for entry in CONFIG[section]:
            if "survey_spec" in entry:
                for item in entry["survey_spec"]["spec"]:
                    yield entry["name"], item


QUESTIONS = list(surveyed())


def test_the_surveys_are_up_to_date():
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "awx_surveys.py"), "--check"],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_survey_is_generated_and_enabled():
    markers = re.findall(r"# BEGIN generated survey: ", CONFIG_TEXT)
    with_survey = [e for s in ("controller_templates", "controller_workflows") for e in CONFIG[s] if "survey_spec" in e]
    assert len(markers) == len(with_survey) > 0
    assert all(entry.get("survey_enabled") is True for entry in with_survey)


@pytest.mark.parametrize("template,item", QUESTIONS, ids=[f"{t}:{i['variable']}" for t, i in QUESTIONS])
def test_question_matches_its_argument_spec(template, item):
    variable = item["variable"]
    assert variable in OPTIONS, f"{template}: survey variable {variable} is in no argument spec"
    option = OPTIONS[variable]
    kind = option.get("type", "str")
    assert item["type"] in TYPES[kind], f"{template}: {variable} is {kind} in its spec, {item['type']} in the survey"
    if kind == "bool":
        assert item["choices"] == ["true", "false"]
        assert item["default"] == ("true" if option.get("default") else "false")
    elif option.get("choices"):
        assert item["choices"] == [str(c) for c in option["choices"]]
    if kind in ("int", "float") and option.get("default") is not None:
        assert item["default"] == option["default"]
    elif kind == "str" and "default" in option:
        assert item["default"] == ("" if option["default"] is None else str(option["default"]))
    for bound in ("min", "max"):
        assert item.get(bound) == option.get(bound), f"{template}: {variable} {bound}"
    description = " ".join(option["description"]) if isinstance(option["description"], list) else option["description"]
    first_words = re.sub(r"\b[COVMIPLU]\(([^)]*)\)", r"\1", " ".join(description.split()))[:40]
    assert item["question_description"].startswith(first_words)


def test_the_image_tag_question_must_be_answered():
    for template, item in QUESTIONS:
        if item["variable"] == "ecs_service_image_tag":
            assert item["required"] is True, template


def test_a_question_of_a_variable_no_spec_has_is_refused(tmp_path):
    with pytest.raises(SystemExit, match="not in the argument spec"):
        awx_surveys.survey("ecs_service no_such_variable")
    with pytest.raises(SystemExit, match="no argument spec"):
        awx_surveys.survey("no_such_role some_variable")


def test_a_hand_edited_survey_is_found(tmp_path):
    edited = CONFIG_TEXT.replace("type: integer", "type: text").replace("required: true", "required: false", 1)
    assert awx_surveys.render(edited) != edited


def test_questions_from_the_types_of_a_spec():
    q = awx_surveys.question
    assert q("n", {"type": "int", "default": 3, "min": 1, "max": 9, "description": "C(n) tasks"}) == {
        "variable": "n", "question_name": "n", "question_description": "n tasks", "required": False,
        "type": "integer", "default": 3, "min": 1, "max": 9}
    assert q("s", {"type": "str", "choices": ["a", "b"], "default": "a", "description": "x"})["type"] == "multiplechoice"
    assert q("b", {"type": "bool", "default": True, "description": "x"})["default"] == "true"
    assert q("l", {"type": "list", "choices": ["A", "AAAA"], "default": ["A"], "description": "x"})["type"] == "multiselect"


@pytest.mark.parametrize("playbook", sorted(PLAYBOOK_SPECS))
def test_playbook_variables_are_read_by_their_playbook(playbook):
    text = (ROOT / "playbooks" / f"{playbook}.yml").read_text()
    for variable in PLAYBOOK_SPECS[playbook]["options"]:
        assert variable in text, f"{variable} is not read by playbooks/{playbook}.yml"
