"""Every Python snippet in the docs is an exact excerpt of an example file that the suite runs."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = {path: path.read_text() for path in (ROOT / "docs" / "examples").glob("*.py")}
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
SNIPPET = re.compile(r"```python\n(.*?)```", re.DOTALL)


def snippets() -> list[tuple[str, str]]:
    found = []
    for page in PAGES:
        for index, match in enumerate(SNIPPET.finditer(page.read_text())):
            found.append((f"{page.name}#{index}", match.group(1)))
    return found


def test_there_are_snippets_and_examples():
    assert len(EXAMPLES) >= 5
    assert len(snippets()) >= 10


@pytest.mark.parametrize(("where", "code"), snippets(), ids=[w for w, _ in snippets()])
def test_snippet_is_part_of_an_example_file(where, code):
    assert any(code in text for text in EXAMPLES.values()), f"{where} is not an excerpt of docs/examples/*.py"
