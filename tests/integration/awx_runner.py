"""Runs the job templates of awx/config.yml the way AWX does: through ansible-runner.

For each job AWX writes a private data directory and hands it to ansible-runner:

    project/          the project's checkout (here: a copy of the files git tracks)
    inventory/hosts   the inventory AWX imported from the inventory source (the project's
                      inventories/<environment>, resolved with ansible-inventory --export)
    env/extravars     the template's extra_vars, the survey's defaults and answers, the
                      artifacts of earlier workflow nodes (set_stats), the schedule's extra_data
    env/envvars       what the credentials inject: the built-in Amazon Web Services type
                      sets AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SECURITY_TOKEN
    env/cmdline       job type check -> --check, diff mode -> --diff

then `ansible_runner.run(private_data_dir=..., playbook=..., verbosity=..., limit=...)`.
Here the "credential" also points the SDK at the emulator (AWS_ENDPOINT_URL and AWS_URL, which
botocore and the AWS modules read) instead of AWS; nothing else of the job knows it is not AWS.
No AWS_PROFILE reaches the job, and the shared config and credential files point nowhere, so a
job that read a profile would fail.
"""

from __future__ import annotations

import json
import os
import pathlib
import shutil
import subprocess
import sys

import yaml

ROOT = pathlib.Path(__file__).resolve().parents[2]
BIN = pathlib.Path(sys.executable).parent
CONFIG = yaml.safe_load((ROOT / "awx" / "config.yml").read_text())


def template(name):
    for entry in CONFIG["controller_templates"]:
        if entry["name"] == name:
            return entry
    raise KeyError(f"no job template {name!r} in awx/config.yml")


def workflow(name):
    for entry in CONFIG["controller_workflows"]:
        if entry["name"] == name:
            return entry
    raise KeyError(f"no workflow {name!r} in awx/config.yml")


def schedule(name):
    for entry in CONFIG["controller_schedules"]:
        if entry["name"] == name:
            return entry
    raise KeyError(f"no schedule {name!r} in awx/config.yml")


def survey_answers(spec, answers):
    """Extra vars from a survey as AWX makes them: each question's default unless answered;
    a required question without an answer or default refuses the launch, as AWX does."""
    values = {}
    for question in (spec or {}).get("spec", []):
        variable = question["variable"]
        if variable in answers:
            values[variable] = answers[variable]
        elif question.get("default") not in (None, ""):
            values[variable] = question["default"]
        elif question.get("required"):
            raise ValueError(f"AWX refuses the launch: the survey question {variable} must be answered")
    unknown = set(answers) - {q["variable"] for q in (spec or {}).get("spec", [])}
    if unknown:
        raise ValueError(f"not survey questions: {sorted(unknown)}")
    return values


def copy_project(destination):
    """The project as AWX checks it out: every file git tracks (links kept as links)."""
    files = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, check=True, capture_output=True).stdout.split(b"\0")
    for name in filter(None, (f.decode() for f in files)):
        source = ROOT / name
        target = destination / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_symlink():
            os.symlink(os.readlink(source), target)
        elif source.exists():
            shutil.copy2(source, target)
    return destination


def awx_inventory(project, source_path, destination):
    """The inventory AWX imports from an SCM inventory source (ansible-inventory --list --export)
    and writes into the job's private data directory."""
    listing = json.loads(subprocess.run(
        [str(BIN / "ansible-inventory"), "-i", str(project / source_path), "--list", "--export"],
        cwd=project, check=True, capture_output=True, text=True,
        env=dict(os.environ, ANSIBLE_CONFIG=str(project / "ansible.cfg"))).stdout)
    hostvars = listing.get("_meta", {}).get("hostvars", {})

    def group(name):
        data = listing.get(name, {})
        out = {}
        if data.get("hosts"):
            out["hosts"] = {host: hostvars.get(host, {}) for host in data["hosts"]}
        if data.get("vars"):
            out["vars"] = data["vars"]
        if data.get("children"):
            out["children"] = {child: group(child) for child in data["children"]}
        return out

    destination.mkdir(parents=True, exist_ok=True)
    (destination / "hosts.yml").write_text(yaml.safe_dump({"all": group("all")}, sort_keys=False))
    return destination / "hosts.yml"


class Job:
    """The result of one job: status, rc, the recap per host, the artifacts, the output."""

    def __init__(self, name, runner, data_dir):
        self.name = name
        self.status = runner.status
        self.rc = runner.rc
        self.events = list(runner.events)
        self.stdout = runner.stdout.read()
        self.data_dir = data_dir
        stats = [e for e in self.events if e.get("event") == "playbook_on_stats"]
        self.artifacts = stats[-1]["event_data"].get("artifact_data", {}) if stats else {}
        self.stats = runner.stats or {}

    def count(self, key, host="localhost"):
        return (self.stats.get(key) or {}).get(host, 0)

    @property
    def changed(self):
        return self.count("changed")

    def changed_tasks(self):
        """'role : task' of each task that reported changed (from the runner's events)."""
        return [(f"{e['event_data']['role']} : " if e["event_data"].get("role") else "") + e["event_data"]["task"]
                for e in self.events
                if e.get("event") == "runner_on_ok" and e["event_data"].get("res", {}).get("changed")]

    def results(self, task_prefix):
        """The results (res) of the tasks whose name starts with task_prefix."""
        return [e["event_data"]["res"] for e in self.events
                if e.get("event") in ("runner_on_ok", "runner_on_failed")
                and e["event_data"].get("task", "").startswith(task_prefix)]

    def failed_messages(self):
        return [e["event_data"]["res"].get("msg", "") for e in self.events if e.get("event") == "runner_on_failed"]

    def summary(self):
        return {"status": self.status, "rc": self.rc, "changed": self.changed, "ok": self.count("ok"),
                "failures": self.count("failures"), "artifacts": sorted(self.artifacts)}

    def __repr__(self):
        return f"<Job {self.name}: {self.summary()}>"


class AWX:
    """Launches the templates of awx/config.yml through ansible-runner against an emulator."""

    def __init__(self, workdir, emulator_url, environment="production", extra_env=None):
        self.workdir = pathlib.Path(workdir)
        self.project = copy_project(self.workdir / "project-checkout")
        self.emulator_url = emulator_url
        self.environment = environment
        self.extra_env = dict(extra_env or {})
        self.jobs = 0
        self.log = []  # the summary of every job launched, in order
        self.inventory_source = {s["inventory"]: s for s in CONFIG["controller_inventory_sources"]}
        # ansible-runner starts the job in the project but leaves PWD as its caller's
        self.caller_dir = self.workdir / "caller"
        self.caller_dir.mkdir()

    def credential_env(self):
        """What the Amazon Web Services credential injects (pointed at the emulator)."""
        return {
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_SECURITY_TOKEN": "testing",
            "AWS_ENDPOINT_URL": self.emulator_url,
            "AWS_URL": self.emulator_url,
            "AWS_CONFIG_FILE": "/nonexistent/aws-config",
            "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/aws-credentials",
            # the EE's PATH: ansible-playbook and the venv's Python
            "PATH": f"{BIN}:{os.environ.get('PATH', '/usr/bin:/bin')}",
            "PWD": str(self.caller_dir),
        }

    def private_data_dir(self, job_template, extra_vars):
        self.jobs += 1
        data_dir = self.workdir / f"job-{self.jobs}"
        (data_dir / "env").mkdir(parents=True)
        # AWX copies the project into the job's directory; a link to one checkout is enough here
        # (the outputs file still lands in that checkout, not in the caller's directory).
        os.symlink(self.project, data_dir / "project")
        source = self.inventory_source[job_template["inventory"]]
        awx_inventory(self.project, source["source_path"], data_dir / "inventory")
        (data_dir / "env" / "extravars").write_text(json.dumps(extra_vars))
        (data_dir / "env" / "envvars").write_text(json.dumps({**self.credential_env(), **self.extra_env}))
        cmdline = []
        if job_template.get("job_type") == "check":
            cmdline.append("--check")
        if job_template.get("diff_mode"):
            cmdline.append("--diff")
        if cmdline:
            (data_dir / "env" / "cmdline").write_text(" ".join(cmdline))
        return data_dir

    def launch(self, name, answers=None, extra_vars=None, survey_spec=None):
        """Launch the job template `name`; `answers` to its survey, `extra_vars` from a workflow
        (its survey answers and the artifacts of earlier nodes) or a schedule's extra_data."""
        import ansible_runner

        job_template = template(name)
        variables = dict(job_template.get("extra_vars") or {})
        # A workflow's (or schedule's) extra vars answer the survey's questions they name, as in AWX.
        questions = {q["variable"] for q in (job_template.get("survey_spec") or {}).get("spec", [])}
        given = {**{k: v for k, v in (extra_vars or {}).items() if k in questions}, **(answers or {})}
        variables.update(survey_answers(job_template.get("survey_spec"), given) if job_template.get("survey_enabled") else {})
        variables.update(extra_vars or {})
        data_dir = self.private_data_dir(job_template, variables)
        # ansible-runner's environment: the caller's (as the AWX task runner's) less any AWS
        # profile or endpoint; the job's own variables come from env/envvars.
        saved = {key: os.environ.pop(key) for key in list(os.environ)
                 if key.startswith(("AWS_", "ANSIBLE_", "FOZZY_"))}
        try:
            runner = ansible_runner.run(
                private_data_dir=str(data_dir),
                playbook=job_template["playbook"],
                verbosity=job_template.get("verbosity", 0),
                limit=job_template.get("limit") or None,
                quiet=True,
                timeout=job_template.get("timeout") or None,
            )
        finally:
            os.environ.update(saved)
        job = Job(name, runner, data_dir)
        self.log.append(job.summary() | {"template": name, "changed_tasks": job.changed_tasks(),
                                         "failed": job.failed_messages()})
        return job

    def launch_workflow(self, name, answers, approve=True, stop_after=None, extra_vars=None):
        """Run a workflow node by node as AWX does: the workflow's survey answers go to every node
        as extra vars, and each node's artifacts (set_stats) to the nodes after it. Returns the
        (identifier, Job) of each node that ran, in order."""
        flow = workflow(name)
        nodes = {node["identifier"]: node for node in flow["simplified_workflow_nodes"]}
        children = {link for node in nodes.values() for key in ("success_nodes", "failure_nodes", "always_nodes")
                    for link in node.get(key, [])}
        variables = {**survey_answers(flow.get("survey_spec"), answers), **(extra_vars or {})}
        ran, queue = [], [identifier for identifier in nodes if identifier not in children]
        while queue:
            identifier = queue.pop(0)
            node = nodes[identifier]
            if "approval_node" in node:
                job, success = None, approve
            else:
                job = self.launch(node["unified_job_template"], extra_vars=variables)
                success = job.status == "successful"
                variables = {**variables, **job.artifacts}
            ran.append((identifier, job))
            if identifier == stop_after:
                break
            queue += node.get("success_nodes" if success else "failure_nodes", []) + node.get("always_nodes", [])
        return ran
