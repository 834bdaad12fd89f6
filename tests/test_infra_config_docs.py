"""Every environment variable the settings read is documented in .env.example and in the README."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# env("NAME", ...), env.int("NAME", ...), env.db("NAME", ...) and friends.
ENV_READ = re.compile(r"""\benv(?:\.\w+)?\(\s*["']([A-Z][A-Z0-9_]*)["']""")


def settings_variables():
    names = set()
    for path in (ROOT / "server" / "settings").glob("*.py"):
        names.update(ENV_READ.findall(path.read_text(encoding="utf-8")))
    return sorted(names)


def test_the_settings_read_environment_variables():
    assert "DATABASE_URL" in settings_variables()


@pytest.mark.parametrize("name", settings_variables())
def test_variable_is_in_env_example(name):
    text = (ROOT / ".env.example").read_text(encoding="utf-8")
    assert re.search(rf"^#? ?{name}=", text, re.MULTILINE), f"add {name} with its default and a comment to .env.example"


@pytest.mark.parametrize("name", settings_variables())
def test_variable_is_in_the_readme_configuration_table(name):
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert re.search(rf"^\| `{name}` \|", text, re.MULTILINE), f"add a row for {name} to the table in README.md"
