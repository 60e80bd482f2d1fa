"""A Binder dry run: what repo2docker does with binder/, as closely as this machine allows.

1. a copy of the repository as a clone has it (tracked and new files, nothing git ignores: no
   built front end, no node_modules);
2. a fresh venv on the machine's Python (standing in for environment.yml's conda python=3.11;
   node/npm are the machine's, standing in for nodejs=20), into which
   ``pip install -r binder/requirements.txt`` installs, then ``binder/postBuild`` runs from the
   repository root with that venv first on PATH, as repo2docker runs it;
3. JupyterLab started from that venv on the repository, the notebook opened and run in Chromium,
   and its widgets checked (rendered, painted), its kernel checked to be the venv's.

Binder opens the tour (``notebooks/00_tour.ipynb``, the README badge's ``urlpath``), and so does
this test: all six of its views must render. What this cannot prove (the real image build) is in
the module's ``CANNOT_PROVE`` and printed with the timings.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import nbformat
import pytest
from packaging.requirements import Requirement
from test_notebooks import IN_BROWSER, check_outputs, keep_for_docs

from .jupyter import (
    REPO_ROOT,
    JupyterServer,
    canvas_stats,
    open_and_run_notebook,
    screenshot,
    wait_for_widgets,
)
from .servers import free_port, isolated_env, write_json

BINDER = REPO_ROOT / "binder"
TOUR = "notebooks/00_tour.ipynb"
assert Path(TOUR).name in IN_BROWSER
TORCH_PIN = "torch==2.13.0"
MYBINDER_RAM = 2 * 1024**3  # mybinder.org gives each session 1-2 GB

CANNOT_PROVE = """\
The dry run cannot prove: that conda solves environment.yml (python=3.11 and nodejs=20 from
conda-forge: here the machine's Python and node of the same versions stand in); that the Docker
image builds and fits Binder's limits on build time, size and CPU; that the CPU index
(download.pytorch.org, unreachable here) serves torch 2.13.0+cpu: here the same wheel comes from
the machine's wheelhouse; repo2docker's own base environment (its JupyterLab and
jupyterhub-singleuser versions, which BinderHub launches through); that the badge's repository
(github.com/xaiwidgets/xaiwidgets) is where the project is published (its urlpath, the tour, is
checked by tests/test_readme.py)."""


def _requirements(path: Path) -> dict[str, Requirement]:
    out = {}
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line and not line.startswith("-"):
            req = Requirement(line)
            out[req.name.lower()] = req
    return out


def _makefile_no_deps() -> set[str]:
    text = (REPO_ROOT / "Makefile").read_text().replace("\\\n", " ")
    found: set[str] = set()
    for line in text.splitlines():
        if "--no-deps" in line:  # pip or uv (the Makefile's $(UV))
            found |= set(re.findall(r"([A-Za-z0-9_.-]+==[0-9][^\s']*)", line))
    return found


def test_binder_files_agree_with_the_package() -> None:
    """repo2docker reads environment.yml (over requirements.txt), so it must pull that file in;
    requirements.txt must list every dependency of the package and of its data and scale
    extras."""
    env_yml = (BINDER / "environment.yml").read_text()
    assert re.search(r"^\s*-\s*-r requirements\.txt\s*$", env_yml, re.M), env_yml
    py = re.search(r"^\s*-\s*python=(\d+\.\d+)\s*$", env_yml, re.M)
    assert py, env_yml
    assert re.search(r"^\s*-\s*nodejs=\d+", env_yml, re.M), env_yml

    pyproject = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())
    wanted = [Requirement(r) for r in pyproject["project"]["dependencies"]]
    for extra in ("data", "scale"):  # scale: the dataset-jobs notebook runs on Binder too
        wanted += [Requirement(r) for r in pyproject["project"]["optional-dependencies"][extra]]
    binder = _requirements(BINDER / "requirements.txt")
    missing = [str(r) for r in wanted if r.name.lower() not in binder]
    assert not missing, f"binder/requirements.txt lacks {missing} (pyproject.toml has them)"
    for r in wanted:  # an exact pin there must satisfy the package's own range
        pin = [s.version for s in binder[r.name.lower()].specifier if s.operator == "=="]
        assert not pin or r.specifier.contains(pin[0], prereleases=True), (r, pin)
    assert str(binder["torch"]) == TORCH_PIN  # never the multi-GB CUDA build
    assert "https://download.pytorch.org/whl/cpu" in (BINDER / "requirements.txt").read_text()

    post = (BINDER / "postBuild").read_text()
    assert post.startswith("#!/bin/bash\n") and os.access(BINDER / "postBuild", os.X_OK)
    mode = subprocess.run(["git", "ls-files", "-s", "binder/postBuild"], cwd=REPO_ROOT,
                          capture_output=True, text=True).stdout.split()
    assert not mode or mode[0] == "100755", f"postBuild is committed without its exec bit: {mode}"
    absent = sorted(p for p in _makefile_no_deps() if p not in post)
    assert not absent, f"postBuild lacks the Makefile's --no-deps data packages {absent}"


# --------------------------------------------------------------------------- the dry run


def _clone_like_copy(dest: Path) -> None:
    """The files a clone of the commit-to-be has: tracked and new ones, none git ignores."""
    try:
        out = subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            cwd=REPO_ROOT, capture_output=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError) as exc:
        pytest.fail(f"the Binder dry run copies the repo as git sees it: {exc}", pytrace=False)
    for rel in filter(None, out.decode().split("\0")):
        src = REPO_ROOT / rel
        if src.is_file():
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / rel)


def _run(cmd: list[str | os.PathLike[str]], cwd: Path, env: dict[str, str], log: Path,
         timeout: float) -> float:
    t0 = time.monotonic()
    with open(log, "ab") as fh:
        fh.write(f"\n$ {' '.join(map(str, cmd))}\n".encode())
        fh.flush()
        proc = subprocess.run([str(c) for c in cmd], cwd=cwd, env=env, stdout=fh,
                              stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                              timeout=timeout)
    if proc.returncode != 0:
        tail = log.read_text(errors="replace")[-6000:]
        pytest.fail(f"{cmd[0]} {' '.join(map(str, cmd[1:3]))}... exited {proc.returncode}:\n"
                    f"{tail}", pytrace=False)
    return time.monotonic() - t0


def _kernel_processes(server_pid: int) -> list:
    import psutil

    procs = psutil.Process(server_pid).children(recursive=True)
    return [p for p in procs if "ipykernel_launcher" in " ".join(p.cmdline())]


@pytest.mark.slow
def test_binder_dry_run(page, tmp_path: Path) -> None:
    t_start = time.monotonic()
    times: dict[str, float] = {}
    repo, venv, log = tmp_path / "repo", tmp_path / "binder-env", tmp_path / "build.log"
    _clone_like_copy(repo)
    assert not (repo / "xaiwidgets" / "static").exists()  # postBuild must build the front end
    times["copy"] = time.monotonic() - t_start

    env_yml = (BINDER / "environment.yml").read_text()
    py = re.search(r"python=(\d+\.\d+)", env_yml).group(1)
    node = re.search(r"nodejs=(\d+)", env_yml).group(1)
    base = Path(getattr(sys, "_base_executable", sys.executable))
    got = subprocess.run([base, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                         capture_output=True, text=True, check=True).stdout.strip()
    assert got == py, f"environment.yml asks for python={py}; this machine's Python is {got}"
    node_v = subprocess.run(["node", "--version"], capture_output=True, text=True).stdout
    assert node_v.lstrip("v").split(".")[0] == node, f"nodejs={node} wanted, node is {node_v}"

    bin_dir = venv / "bin"
    # PYTHONDONTWRITEBYTECODE (set on these machines, not in a Binder image) is dropped: the
    # venv is installed --no-compile, so its first imports write the bytecode later ones read
    build_env = {k: v for k, v in os.environ.items()
                 if not k.startswith(("JUPYTER", "JPY_", "VIRTUAL_ENV"))
                 and k not in ("PYTHONPATH", "PYTHONHOME", "PYTHONDONTWRITEBYTECODE")}
    build_env.update(
        PATH=f"{bin_dir}{os.pathsep}{build_env.get('PATH', '')}",
        VIRTUAL_ENV=str(venv),
        # The CPU index in requirements.txt does not resolve here (no network but PyPI): fail
        # each lookup at once instead of retrying it five times per package (that took > 15
        # min). torch==2.13.0 then resolves to the same 2.13.0+cpu wheel from the machine's
        # wheelhouse (PIP_FIND_LINKS).
        PIP_RETRIES="0",
        PIP_DISABLE_PIP_VERSION_CHECK="1",
    )
    # A venv without the ensurepip bootstrap; its own current pip installed by ours (as conda's
    # env has its own pip). --no-compile: no .pyc byte-compilation, only to save time.
    t0 = time.monotonic()
    _run([base, "-m", "venv", "--without-pip", venv], tmp_path, build_env, log, 120)
    _run([sys.executable, "-m", "pip", "--python", bin_dir / "python", "install", "--quiet",
          "--no-compile", "pip"], tmp_path, build_env, log, 300)
    times["venv"] = time.monotonic() - t0
    times["requirements.txt"] = _run(
        [bin_dir / "pip", "install", "--no-compile", "-r", "binder/requirements.txt"],
        repo, build_env, log, 900)
    times["postBuild"] = _run([repo / "binder" / "postBuild"], repo, build_env, log, 900)

    check = subprocess.run(
        [bin_dir / "python", "-c",
         "import json, torch, anywidget, xaiwidgets, jupyterlab; "
         "from xaiwidgets.widgets._base import STATIC; "
         "print(json.dumps({'torch': torch.__version__, 'xaiwidgets': xaiwidgets.__file__, "
         "'bundles': sorted(p.name for p in STATIC.glob('*.js')), "
         "'lab': jupyterlab.__version__}))"],
        cwd=tmp_path, env=build_env, capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
    info = json.loads(check.stdout)
    assert info["torch"] == "2.13.0+cpu", info  # the CPU build, never CUDA
    assert info["xaiwidgets"].startswith(str(venv)), info  # installed, not the source tree
    assert "comparison.js" in info["bundles"] and "tree.js" in info["bundles"], info
    assert info["lab"].startswith("4."), info

    # JupyterLab from that venv on the repository, as Binder's `jupyter lab` would serve it
    notebook = TOUR
    home = tmp_path / "home"
    env = isolated_env(home, path_prefix=bin_dir)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    cfg = home / ".jupyter" / "lab" / "user-settings" / "@jupyterlab"
    # the harness's settings: no news/update check (no network), every cell in the DOM, no
    # autosave racing open_and_run_notebook's explicit save
    write_json(home / ".jupyter" / "jupyter_server_config.json", {"LabApp": {
        "news_url": None, "check_for_updates_class": "jupyterlab.NeverCheckForUpdate"}})
    write_json(cfg / "apputils-extension" / "notification.jupyterlab-settings",
               {"fetchNews": "false", "checkForUpdates": False})
    write_json(cfg / "notebook-extension" / "tracker.jupyterlab-settings",
               {"windowingMode": "none"})
    write_json(cfg / "docmanager-extension" / "plugin.jupyterlab-settings", {"autosave": False})
    port, token = free_port(), os.urandom(16).hex()
    lab_log = tmp_path / "jupyter-lab.log"
    t0 = time.monotonic()
    with open(lab_log, "wb") as fh:
        proc = subprocess.Popen(
            [bin_dir / "jupyter", "lab", "--no-browser", "--allow-root", "--ip=127.0.0.1",
             f"--port={port}", "--port-retries=0", f"--IdentityProvider.token={token}",
             f"--ServerApp.root_dir={repo}"],
            cwd=repo, env=env, stdin=subprocess.DEVNULL, stdout=fh, stderr=subprocess.STDOUT)
    server = JupyterServer(repo, home, port, token, lab_log, proc)
    try:
        while True:
            if proc.poll() is not None:
                pytest.fail(f"jupyter lab exited {proc.returncode}:\n{server.log_tail()}",
                            pytrace=False)
            try:
                server.api("GET", "status", timeout=2)
                break
            except (OSError, RuntimeError):
                if time.monotonic() - t0 > 90:
                    pytest.fail(f"jupyter lab not up after 90 s:\n{server.log_tail()}",
                                pytrace=False)
                time.sleep(0.25)
        times["lab start"] = time.monotonic() - t0

        run = open_and_run_notebook(page, server, notebook, ui="lab", timeout=300)
        times["notebook"] = run.seconds
        assert not run.cell_errors
        # the notebook tests leave the tour to this run: its saved outputs are checked like theirs
        saved = nbformat.from_dict(run.notebook)
        check_outputs(Path(notebook).name, saved)
        keep_for_docs(Path(notebook).name, saved)
        outputs = [o for c in run.notebook["cells"] if c["cell_type"] == "code"
                   for o in c.get("outputs", []) if o.get("output_type") == "display_data"
                   or o.get("output_type") == "execute_result"]
        n_views = sum("application/vnd.jupyter.widget-view+json" in o.get("data", {})
                      and "xai-static" in str(o["data"].get("text/html", "")) for o in outputs)
        # the tour's seven views: comparison, masks, concept tree, timeline, SENN,
        # redescriptions, and the dataset overview of the comparison's digits
        assert n_views == 7, f"{notebook}: {n_views} xaiwidgets outputs"
        roots = wait_for_widgets(page, count=n_views, timeout=120)
        assert roots.count() == n_views
        heat = canvas_stats(page, '[data-xai-ready="1"] canvas.xai-heatmap')
        assert heat and all(s["painted"] > 0.05 * s["width"] * s["height"] for s in heat), heat
        assert page.locator('[data-xai-ready="1"] svg.xai-tree g.xai-node').count() >= 1

        # the kernel that drew them is the Binder venv's, not the test's
        kernels = _kernel_processes(proc.pid)
        assert kernels, "no kernel process under the server"
        exe = [k.exe() for k in kernels]
        assert all(e.startswith(str(venv)) or Path(k.cmdline()[0]).parent == bin_dir
                   for e, k in zip(exe, kernels, strict=True)), exe
        rss = sum(k.memory_info().rss for k in kernels)
        rss_server = __import__("psutil").Process(proc.pid).memory_info().rss
        assert rss + rss_server < MYBINDER_RAM, f"kernel {rss / 2**20:.0f} MiB"

        roots.first.evaluate("e => e.scrollIntoView({block: 'start'})")  # the widgets in view
        page.mouse.move(0, 0)
        shot = screenshot(page, "binder-lab")
        assert not run.console_errors, run.console.format()
    finally:
        server.stop()
    times["total"] = time.monotonic() - t_start
    print(f"Binder dry run of {notebook}: "
          + ", ".join(f"{k} {v:.0f} s" for k, v in times.items())
          + f"; kernel RSS {rss / 2**20:.0f} MiB, server {rss_server / 2**20:.0f} MiB; "
          f"torch {info['torch']}, JupyterLab {info['lab']}; screenshot {shot}\n{CANNOT_PROVE}")
