"""Guards on the project layout that would otherwise break in confusing ways."""

import configparser
import platform
import sysconfig
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_platform_folder_is_not_a_package():
    assert not (ROOT / "platform" / "__init__.py").exists(), (
        "platform/__init__.py would shadow the standard library's platform module"
    )


def test_import_platform_is_the_standard_library():
    stdlib = Path(sysconfig.get_paths()["stdlib"]).resolve()
    assert Path(platform.__file__).resolve().parent == stdlib
    assert callable(platform.python_version)


def test_every_package_folder_is_listed_in_setup_cfg():
    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg")
    listed = set(config["options"]["packages"].split())
    roots = {
        "fivec": ROOT / "platform" / "fivec",
        "moderation": ROOT / "moderation",
        "benchmarks": ROOT / "benchmarks",
    }
    found = set()
    for name, folder in roots.items():
        for init in folder.rglob("__init__.py"):
            relative = init.parent.relative_to(folder).parts
            found.add(".".join((name, *relative)))
    assert found - listed == set(), "add these packages to [options] packages in setup.cfg"
