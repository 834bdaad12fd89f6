"""The two faces stand side by side on the same services and selectors: the pages (apps/web) and the API
(apps/<app>/api) import what lies below them, never each other, and nothing below imports either face.

What both faces use lives below both: FilterSets in apps/<app>/filters.py, the resident's masking in
apps/wishes/privacy.py, the statistics query in apps/stats/queries.py, the Excel download in apps/stats/exports.py,
the base of input serializers in apps/core/serializers.py. Answers that must serve both faces by the request's path
(handler400, django-axes' lockout answer) are the pages' (apps/web/error_pages.py), which build the API's JSON body
themselves. The walk reads the source with `ast`, so an import inside a function counts as much as one at the top.
server/ is the composition root above both faces (settings, URLs) and is not walked.
"""

import ast
from pathlib import Path

APPS = Path(__file__).resolve().parent.parent / "apps"

# (importing module, imported module prefix): why it is allowed. Empty: apps/web/api_docs.py serves the API's
# documentation pages but imports only drf-spectacular's views, none of the API's own modules.
ALLOWED: dict[tuple[str, str], str] = {}


def _module_name(path):
    parts = list(path.relative_to(APPS.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imported(tree, module, is_package):
    """Every module name an import statement of `tree` names, wherever it stands, with its line."""
    package = module if is_package else module.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join(anchor + ([base] if base else []))
            yield base, node.lineno
            for alias in node.names:  # `from apps.wishes import api` names the module apps.wishes.api
                yield f"{base}.{alias.name}", node.lineno


def _imports():
    """(importing module, imported module, line) for every Python file under apps/."""
    found = []
    for path in sorted(APPS.rglob("*.py")):
        module = _module_name(path)
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for name, line in _imported(tree, module, path.name == "__init__.py"):
            found.append((module, name, line))
    return found


def _is_api(name):
    """apps.<app>.api or anything in it."""
    parts = name.split(".")
    return len(parts) >= 3 and parts[0] == "apps" and parts[2] == "api"


def _is_web(name):
    return name == "apps.web" or name.startswith("apps.web.")


def _violations(importer_may, imported_is):
    """One line per offending import statement: the module it stands in, its line and the module it imports."""
    bad = {}
    for module, name, line in _imports():
        if imported_is(name) and not importer_may(module):
            if not any(module == allowed and name.startswith(prefix) for allowed, prefix in ALLOWED):
                known = bad.get((module, line))
                bad[(module, line)] = name if known is None or len(name) < len(known) else known
    return [f"{module}:{line} imports {name}" for (module, line), name in sorted(bad.items())]


def test_the_walk_reads_both_faces_and_what_is_below():
    modules = {module for module, _name, _line in _imports()}
    assert "apps.web.member.views" in modules and "apps.wishes.api.views" in modules
    assert "apps.wishes.services" in modules and len(modules) > 200


def test_only_the_api_imports_the_api():
    """The pages (and every module below both faces) never import an apps/<app>/api module."""
    assert _violations(importer_may=_is_api, imported_is=_is_api) == []


def test_only_the_pages_import_the_pages():
    """The API (and every module below both faces: models, services, selectors ...) never imports apps.web."""
    assert _violations(importer_may=_is_web, imported_is=_is_web) == []


def test_the_rule_sees_a_page_importing_the_api_and_a_lazy_import_of_the_pages():
    tree = ast.parse("from apps.wishes.api.serializers import X\ndef f():\n    from apps.web import forms\n")
    names = {name for name, _line in _imported(tree, "apps.web.member.views", False)}
    assert any(_is_api(name) for name in names) and "apps.web.forms" in names
    relative = ast.parse("from ..api import serializers\n")
    assert {name for name, _line in _imported(relative, "apps.wishes.web.views", False)} >= {
        "apps.wishes.api.serializers"
    }
