"""The built wheel carries the data: install it into a fresh environment, load from outside."""

import os
import subprocess
import sys
import sysconfig
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_wheel_installs_and_loads_every_dataset(tmp_path):
    dist = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(dist), str(ROOT)],
        check=True, capture_output=True, text=True,
    )
    wheel = next(dist.glob("nkecon-*.whl"))

    env_dir = tmp_path / "env"
    subprocess.run([sys.executable, "-m", "venv", str(env_dir)], check=True)
    py = env_dir / "bin" / "python"
    site = subprocess.run([py, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          check=True, capture_output=True, text=True).stdout.strip()
    # The dependencies (pandas, ...) come from this environment through a path entry; nkecon
    # itself only from the wheel, installed by pip into the fresh environment.
    Path(site, "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    install = subprocess.run([py, "-m", "pip", "install", "--no-deps", "--no-index", "--quiet", str(wheel)],
                             capture_output=True, text=True)
    assert install.returncode == 0, install.stderr

    code = textwrap.dedent(
        """
        import nkecon, pathlib
        assert 'site-packages' in nkecon.__file__, nkecon.__file__
        from nkecon import paths
        assert paths.project_root() is None
        for name in nkecon.DATASETS:
            frame = nkecon.load(name)
            assert len(frame) > 0, name
            assert nkecon.get_metadata(name).title
        from nkecon import paths, reports
        specs = reports.discover(paths.notebooks_dir())
        assert {"contraction", "sanctions", "food"} <= set(specs), specs
        assert (paths.notebooks_dir() / "explore.ipynb").is_file()
        assert all(not s.error for s in specs.values()), specs
        assert all('site-packages' in str(s.path) for s in specs.values())
        print(len(nkecon.DATASETS), paths.shipped_data_dir())
        """
    )
    env = {k: v for k, v in os.environ.items() if k != "NKECON_DATA_DIR"}
    out = subprocess.run([py, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    count, folder = out.stdout.split()
    import json

    package = json.loads((ROOT / "data" / "datapackage.json").read_text(encoding="utf-8"))
    assert int(count) == len(package["resources"])  # every resource of the package ships
    assert str(env_dir) in folder
