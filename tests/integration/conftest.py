"""A private local AWS emulator for the integration tests, and helpers to run playbooks on it."""
import os
import pathlib
import subprocess
import sys
import urllib.request

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
BIN = pathlib.Path(sys.executable).parent
EMULATOR = [sys.executable, str(ROOT / "scripts" / "emulator.py")]


class Emulator:
    def __init__(self, url):
        self.url = url

    def reset(self):
        request = urllib.request.Request(f"{self.url}/moto-api/reset", method="POST")
        urllib.request.urlopen(request, timeout=10).close()

    def env(self):
        """Environment of an ansible-playbook run that talks to this emulator only."""
        env = dict(
            os.environ,
            AWS_URL=self.url,
            AWS_REGION="eu-central-1",
            AWS_DEFAULT_REGION="eu-central-1",
            AWS_ACCESS_KEY_ID="testing",
            AWS_SECRET_ACCESS_KEY="testing",
            FOZZY_EMULATOR_PORT=self.url.rsplit(":", 1)[1],
            ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"),
            ANSIBLE_NOCOLOR="1",
        )
        for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN"):
            env.pop(name, None)
        return env

    def playbook(self, *args):
        """Run ansible-playbook from the repository root; returns the CompletedProcess."""
        return subprocess.run(
            [str(BIN / "ansible-playbook"), *map(str, args)],
            cwd=ROOT, env=self.env(), capture_output=True, text=True,
        )

    def client(self, service):
        import boto3

        return boto3.client(
            service, endpoint_url=self.url, region_name="eu-central-1",
            aws_access_key_id="testing", aws_secret_access_key="testing",
        )


@pytest.fixture(scope="session")
def emulator():
    port = subprocess.run(EMULATOR + ["free-port"], check=True, capture_output=True, text=True).stdout.strip()
    url = subprocess.run(EMULATOR + ["start", "--port", port], check=True, capture_output=True, text=True).stdout.strip()
    yield Emulator(url)
    subprocess.run(EMULATOR + ["stop", "--port", port], check=True)


@pytest.fixture
def fresh_emulator(emulator):
    emulator.reset()
    return emulator
