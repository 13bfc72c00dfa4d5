"""`make lab`'s server: student set-up (Validate on, instructor extensions off), loopback only."""

import json
import os
import re
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "grader"))
import lab  # noqa: E402
from known_warnings import unexplained_warnings  # noqa: E402


def _get(url, timeout=5):
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return response.status, response.read().decode()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    port = lab.free_port(18888)
    token = "test-token"
    env = lab.with_token(lab.student_environment(), token)
    env["JUPYTER_RUNTIME_DIR"] = str(tmp_path_factory.mktemp("runtime"))
    log = tmp_path_factory.mktemp("log") / "lab.log"
    space = tmp_path_factory.mktemp("workspace")
    assert lab.main(["--prepare-only", "--root", str(space)]) == 0  # what `make lab` does before it starts
    with open(log, "w") as handle:
        process = subprocess.Popen(lab.command(port, space), env=env, stdout=handle, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                _get(f"{base}/api/status?token={token}")
                break
            except OSError:
                if process.poll() is not None:
                    pytest.fail(f"jupyter lab exited early:\n{log.read_text()}")
                time.sleep(0.5)
        else:
            pytest.fail(f"jupyter lab did not start in 60 s:\n{log.read_text()}")
        yield base, token, log
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


def test_lab_serves_the_students_workspace_on_loopback(server):
    base, token, log = server
    assert base.startswith("http://127.0.0.1:")
    status, body = _get(f"{base}/api/contents?token={token}")
    names = {item["name"] for item in json.loads(body)["content"]}
    assert names == {p.name for p in (ROOT / "solutions").iterdir() if p.is_dir()}  # a copy of each notebook
    status, _ = _get(f"{base}/api/status?token={token}")
    assert status == 200


def test_the_token_is_not_on_the_command_line():
    assert not [a for a in lab.command(8888, ROOT / "workspace") if "token" in a.lower()]


def test_lab_needs_the_token(server):
    base, _, _ = server
    with pytest.raises(urllib.error.HTTPError) as raised:
        _get(f"{base}/api/contents")
    assert raised.value.code == 403


def test_instructor_extensions_are_off_and_validate_is_on(server):
    base, token, log = server
    status, page = _get(f"{base}/lab?token={token}")
    config = json.loads(re.search(r'<script id="jupyter-config-data" type="application/json">(.*?)</script>',
                                  page, re.S).group(1))
    disabled = config.get("disabledExtensions", [])
    for plugin in ["formgrader", "create-assignment", "course-list", "assignment-list"]:
        assert f"@jupyter/nbgrader:{plugin}" in disabled, disabled
    assert "@jupyter/nbgrader:validate-assignment" not in disabled
    assert "@jupyterlab/apputils-extension:announcements" in disabled  # no news pop-up over the first output
    with pytest.raises(urllib.error.HTTPError) as raised:
        _get(f"{base}/formgrader?token={token}")
    assert raised.value.code == 404
    # the validate handler answers (a missing notebook is its error, not a missing route)
    request = urllib.request.Request(f"{base}/assignments/validate?token={token}", method="POST",
                                     data=b"path=does-not-exist.ipynb")
    with urllib.request.urlopen(request, timeout=60) as response:
        assert response.status == 200


def test_make_lab_prints_the_url(tmp_path):
    """The launcher prints the URL with its token before handing over to Jupyter."""
    env = dict(os.environ, PATH=os.environ.get("PATH", ""))
    script = (f"import sys; sys.path.insert(0, {str(ROOT / 'grader')!r}); import lab, os; "
              f"os.execvpe = lambda *a: None; sys.exit(lab.main(['--port', '18999', '--root', {str(tmp_path)!r}]))")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=60)
    assert result.returncode == 0, result.stderr
    assert re.search(r"http://127\.0\.0\.1:18999/lab\?token=[0-9a-f]{32}", result.stdout), result.stdout
    assert "copied 01_two_layer_network/01_two_layer_network.ipynb into your workspace" in result.stdout
    assert (tmp_path / "01_two_layer_network" / "01_two_layer_network.ipynb").exists()


def test_validate_in_the_lab_is_quiet(server):
    """Validate a real notebook through the lab's button handler: it answers with the notebook's failures (none
    answered yet), and the lab's log has no WARNING line that tests/known_warnings.py does not explain."""
    base, token, log = server
    notebook = "03_activations/03_activations.ipynb"
    request = urllib.request.Request(f"{base}/assignments/validate?token={token}", method="POST",
                                     data=f"path={notebook}".encode())
    with urllib.request.urlopen(request, timeout=120) as response:
        reply = json.loads(response.read().decode())
    assert reply["success"] and "NotImplementedError" in json.dumps(reply["value"]), str(reply)[:2000]
    time.sleep(1)
    assert unexplained_warnings(log.read_text()) == []
