"""The validate_inputs action as the roles use it alone (preflight's use is test_preflight's):
it reads the role's defaults under the play's variables, reports every problem in one failure,
warns about renamed variables, and skips itself in a play where preflight has checked everything."""
import textwrap

import pytest

PLAYBOOK = textwrap.dedent("""\
    - name: Check the inputs of roles alone
      hosts: localhost
      gather_facts: false
      tasks:
        - name: Check the load balancer and service inputs
          inboxwine.fozzy.validate_inputs:
            roles: "{{ roles_to_check }}"
          register: checked
          ignore_errors: true
        - name: Hand the result to the test
          ansible.builtin.debug:
            msg: "RESULT {{ checked | to_json }}"
    """)


@pytest.fixture(scope="module")
def run(emulator, tmp_path_factory):
    playbook = tmp_path_factory.mktemp("validate_inputs") / "check.yml"
    playbook.write_text(PLAYBOOK)

    def run(*extra):
        result = emulator.playbook(playbook, "-i", "inventories/local", "-e", '{"roles_to_check": ["load_balancer"]}', *extra)
        assert result.returncode == 0, result.stdout[-3000:]
        text = " ".join(result.stdout.split())
        return text, " ".join(result.stderr.split())

    return run


def test_a_good_inventory_has_no_problem(run):
    text, _ = run()
    assert '"problems": []' in text and '"failed": true' not in text


def test_the_renamed_variable_still_works_and_is_deprecated(run):
    # the inventory sets fozzy_container_port; an old-style one sets only the old name
    text, errors = run("-e", "fozzy_container_port={{ ecs_service_container_port }}", "-e", "ecs_service_container_port=70000")
    assert "fozzy_container_port=70000 is not allowed: use a port from 1 to 65535" in text
    assert "ecs_service_container_port is deprecated: set fozzy_container_port instead" in text + errors


def test_every_problem_is_reported_in_one_failure(run):
    text, _ = run("-e", "fozzy_environment=Prod", "-e", "fozzy_health_check_path=health")
    assert "The load_balancer role found" in text
    assert "fozzy_environment=Prod is not allowed" in text and "fozzy_health_check_path=health is not allowed" in text


def test_a_play_that_ran_preflight_is_not_checked_again(run):
    text, _ = run("-e", "fozzy_environment=Prod", "-e", '{"preflight_result": {"aws_account_id": "123456789012"}}')
    assert "preflight checked these inputs in this play" in text and "fozzy_environment=Prod" not in text
