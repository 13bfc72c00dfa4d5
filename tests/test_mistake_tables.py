"""The mistake catalogue's tables (shared/ffnn/reference/mistakes/<suite>.toml): every row is read into a mistake that
its module makes, and a table an author got wrong is refused with the file, the row and the fix."""

import inspect
from functools import partial
from pathlib import Path

import pytest

from ffnn.reference.fixtures import CASES
from ffnn.reference.mistakes import CATALOGUE, common

TABLES = Path(common.__file__).parent


def test_every_suite_has_a_table_and_every_row_names_a_graded_function():
    assert sorted(p.stem for p in TABLES.glob("*.toml")) == sorted(CATALOGUE)
    for suite, table in CATALOGUE.items():
        assert set(table) <= set(CASES[suite]()), f"{suite}: rows for functions the notebook does not grade"
        for function, mistakes in table.items():
            names = [m.name for m in mistakes]
            assert len(names) == len(set(names)), f"{suite}.{function}: a mistake's name twice"
            for m in mistakes:
                assert m.message.strip() and m.variants, f"{suite}.{function}.{m.name}"


def test_options_are_keywords_of_the_function_that_makes_the_mistake():
    for suite, table in CATALOGUE.items():
        for function, mistakes in table.items():
            for m in mistakes:
                for variant in m.variants:
                    if isinstance(variant, partial):
                        parameters = inspect.signature(variant.func).parameters.values()
                        if all(p.kind is not p.VAR_KEYWORD for p in parameters):
                            names = {p.name for p in parameters}
                            assert set(variant.keywords) <= names, f"{suite}.{function}.{m.name}"


def _write(tmp_path, text):
    path = tmp_path / "table.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("row,words", [
    ('name = "sign"\nmessage = "flipped"\nmake = "_nowhere"', ["table.toml", "'sign'", "_nowhere", "not a function"]),
    ('name = "sign"\nmake = "_flip"', ["table.toml", "'sign'", "message"]),
    ('name = "sign"\nmessage = "flipped"\nmake = "_flip"\noptions = { x = 1 }', ["options", "with", "also"]),
])
def test_a_wrong_row_is_refused_with_its_file_and_name(tmp_path, monkeypatch, row, words):
    path = _write(tmp_path, f"[[relu]]\n{row}\n")
    monkeypatch.setattr(common, "__file__", str(path.with_name("common.py")))
    with pytest.raises(ValueError) as error:
        common.read_table(path.name, {"_flip": lambda Z: -Z})
    for word in words:
        assert word in str(error.value)


def test_a_row_reads_into_its_variants_in_order(tmp_path, monkeypatch):
    path = _write(tmp_path, '[[relu]]\nname = "scaled"\nmessage = "no factor"\nmake = "_scale"\n'
                            'with = { by = 2.0 }\nalso = [{ by = 3.0 }]\n\n'
                            '[[relu]]\nname = "plain"\nmessage = "as is"\nmake = "_plain"\n')
    monkeypatch.setattr(common, "__file__", str(path.with_name("common.py")))

    def plain(Z):
        return Z

    table = common.read_table(path.name, {"_scale": lambda Z, *, by: by * Z, "_plain": plain})
    scaled, as_is = table["relu"]
    assert (scaled.name, scaled.message, as_is.name) == ("scaled", "no factor", "plain")
    assert [v(1.0) for v in scaled.variants] == [2.0, 3.0]
    assert as_is.variants == (plain,)
