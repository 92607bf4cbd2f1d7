"""awx/config.yml: every entry is what the awx.awx module that applies it accepts.

Each module's argument_spec is read from the module itself (its main() builds it and hands
it to ControllerAPIModule, which is replaced here by a stand-in that keeps the spec and
stops), with ControllerAPIModule's own connection options added, and every entry is
validated with ansible-core's ArgumentSpecValidator, as AnsibleModule would. The entries
are transformed the way playbooks/awx_configure.yml hands them on (the workflows'
simplified_workflow_nodes become node tasks). No AWX server is involved.
"""

import importlib
import pathlib
import subprocess
import sys

import pytest
import yaml
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

ROOT = pathlib.Path(__file__).resolve().parents[3]
CONFIG = yaml.safe_load((ROOT / "awx" / "config.yml").read_text())
LINKS = ("success_nodes", "failure_nodes", "always_nodes")

# infra.aap_configuration variable -> awx.awx module (what awx_configure.yml uses)
MODULES = {
    "controller_organizations": "organization",
    "controller_credentials": "credential",
    "controller_execution_environments": "execution_environment",
    "controller_projects": "project",
    "controller_inventories": "inventory",
    "controller_inventory_sources": "inventory_source",
    "controller_templates": "job_template",
    "controller_workflows": "workflow_job_template",
    "controller_schedules": "schedule",
}


class _Captured(Exception):
    def __init__(self, spec):
        super().__init__("captured")
        self.spec = spec


def module_spec(name):
    """The argument spec the awx.awx module `name` builds, with the controller connection options."""
    module = importlib.import_module(f"ansible_collections.awx.awx.plugins.modules.{name}")
    api = importlib.import_module("ansible_collections.awx.awx.plugins.module_utils.controller_api")

    class Stand_in:  # noqa: N801
        def __init__(self, argument_spec=None, **kwargs):
            raise _Captured(dict(argument_spec))

    original = module.ControllerAPIModule
    module.ControllerAPIModule = Stand_in
    try:
        module.main()
    except _Captured as captured:
        return {**api.ControllerModule.AUTH_ARGSPEC, **captured.spec}
    finally:
        module.ControllerAPIModule = original
    raise AssertionError(f"awx.awx.{name} built no argument spec")


def entries():
    """(variable, module, parameters) of each task awx_configure.yml runs."""
    for variable, module in MODULES.items():
        for entry in CONFIG.get(variable, []):
            if module == "workflow_job_template":
                yield variable, module, {k: v for k, v in entry.items() if k != "simplified_workflow_nodes"}
                for node in entry["simplified_workflow_nodes"]:
                    where = {"workflow_job_template": entry["name"], "organization": entry["organization"]}
                    yield variable, "workflow_job_template_node", {
                        **{k: v for k, v in node.items() if k not in LINKS}, **where}
                    yield variable, "workflow_job_template_node", {
                        "identifier": node["identifier"], **where, **{k: v for k, v in node.items() if k in LINKS}}
            else:
                yield variable, module, entry


ENTRIES = list(entries())


@pytest.mark.parametrize("variable,module,params", ENTRIES,
                         ids=[f"{m}:{p.get('name') or p.get('identifier')}" for _, m, p in ENTRIES])
def test_entry_is_accepted_by_its_awx_module(variable, module, params):
    result = ArgumentSpecValidator(module_spec(module)).validate(dict(params))
    assert not result.error_messages, f"{variable} entry {params.get('name')}: {result.error_messages}"
    assert not result.unsupported_parameters, f"{variable} entry {params.get('name')}: {result.unsupported_parameters}"


def test_the_validation_refuses_a_bad_entry():
    spec = module_spec("job_template")
    assert ArgumentSpecValidator(spec).validate({"name": "x", "job_type": "plan"}).error_messages
    assert ArgumentSpecValidator(spec).validate({"name": "x", "no_such_option": 1}).unsupported_parameters


def names(variable):
    return {entry["name"] for entry in CONFIG[variable]}


def test_references_name_entries_of_the_file():
    templates = names("controller_templates")
    assert names("controller_organizations") == {"Inbox Wine"}
    for template in CONFIG["controller_templates"]:
        assert template["project"] in names("controller_projects")
        assert template["inventory"] in names("controller_inventories")
        assert template["execution_environment"] in names("controller_execution_environments")
        assert set(template["credentials"]) <= names("controller_credentials")
        assert template["playbook"].startswith("playbooks/")
    for source in CONFIG["controller_inventory_sources"]:
        assert source["inventory"] in names("controller_inventories")
        assert (ROOT / source["source_path"] / "hosts.yml").exists(), source["source_path"]
    for credential in CONFIG["controller_credentials"]:
        assert credential["credential_type"] == "Amazon Web Services"
    for schedule in CONFIG["controller_schedules"]:
        assert schedule["unified_job_template"] in templates
    for workflow in CONFIG["controller_workflows"]:
        identifiers = {node["identifier"] for node in workflow["simplified_workflow_nodes"]}
        for node in workflow["simplified_workflow_nodes"]:
            assert ("approval_node" in node) != ("unified_job_template" in node)
            if "unified_job_template" in node:
                assert node["unified_job_template"] in templates
            for link in LINKS:
                assert set(node.get(link, [])) <= identifiers


def test_each_environment_has_every_template():
    for environment in ("production", "staging"):
        for action, playbook in (("Deploy", "site"), ("Plan", "site"), ("Release image", "deploy"),
                                 ("Roll back", "rollback"), ("Verify", "verify"), ("Destroy", "destroy")):
            template = {t["name"]: t for t in CONFIG["controller_templates"]}[f"Fozzy {environment} - {action}"]
            assert template["playbook"] == f"playbooks/{playbook}.yml"
            assert template["credentials"] == [f"Fozzy AWS {environment}"]
            assert template["inventory"] == f"Fozzy {environment}"
        plan = {t["name"]: t for t in CONFIG["controller_templates"]}[f"Fozzy {environment} - Plan"]
        assert plan["job_type"] == "check" and plan["diff_mode"] is True


def test_release_workflow_is_plan_approval_release_verify_with_rollback_on_failure():
    for workflow in CONFIG["controller_workflows"]:
        nodes = {node["identifier"]: node for node in workflow["simplified_workflow_nodes"]}
        assert nodes["plan"]["unified_job_template"].endswith(" - Plan")
        assert nodes["plan"]["success_nodes"] == ["approve"]
        assert "approval_node" in nodes["approve"] and nodes["approve"]["success_nodes"] == ["release"]
        assert nodes["release"]["unified_job_template"].endswith(" - Release image")
        assert nodes["release"]["success_nodes"] == ["verify"] and nodes["release"]["failure_nodes"] == ["rollback"]
        assert nodes["verify"]["unified_job_template"].endswith(" - Verify")
        assert nodes["verify"]["failure_nodes"] == ["rollback"]
        assert nodes["rollback"]["unified_job_template"].endswith(" - Roll back")


def test_drift_schedules_run_plan_with_fail_on_drift():
    for schedule in CONFIG["controller_schedules"]:
        assert schedule["unified_job_template"].endswith(" - Plan")
        assert schedule["extra_data"] == {"fozzy_fail_on_drift": "true"}
        assert "FREQ=DAILY" in schedule["rrule"]
        # AWX accepts a schedule's extra_data only for what the template asks: its survey does
        plan = {t["name"]: t for t in CONFIG["controller_templates"]}[schedule["unified_job_template"]]
        assert "fozzy_fail_on_drift" in [q["variable"] for q in plan["survey_spec"]["spec"]]


def test_awx_configure_passes_a_syntax_check():
    result = subprocess.run([str(pathlib.Path(sys.executable).parent / "ansible-playbook"), "--syntax-check",
                             "playbooks/awx_configure.yml"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
