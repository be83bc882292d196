"""The languages table (data/languages): a caller's language by code, English name or own name."""

from __future__ import annotations

import pytest

from triage.languages import LANGUAGES_FILE, LanguageTableError, code_for, read_table, table


@pytest.mark.parametrize(
    ("said", "code"),
    [
        ("es", "es"),
        ("Spanish", "es"),
        ("español", "es"),
        ("ESPANOL", "es"),
        ("Vietnamese", "vi"),
        ("tiếng việt", "vi"),
        ("Tieng Viet", "vi"),
        ("Mandarin", "zh"),
        ("中文", "zh"),
        ("Tagalog", "tl"),
        ("Filipino", "tl"),
        ("Haitian Creole", "ht"),
        ("kreyol ayisyen", "ht"),
        ("Somali", "so"),
        ("Nepali", "ne"),
        ("Swahili", "sw"),
        ("Kiswahili", "sw"),
        ("Farsi", "fa"),
        ("Dari", "fa"),
        ("العربية", "ar"),
        ("한국어", "ko"),
        ("Русский", "ru"),
    ],
)
def test_a_language_is_found_by_code_or_name_whatever_the_case_and_accents(said: str, code: str) -> None:
    assert code_for(said) == code


@pytest.mark.parametrize("said", ["", "  ", "Klingon", "spa", "xx", "American Sign Language", "Hmong"])
def test_anything_else_is_not_a_language(said: str) -> None:
    assert code_for(said) is None


def test_the_table_holds_the_languages_most_spoken_in_the_us() -> None:
    codes = {language.code for language in table().languages}
    assert len(codes) >= 40
    assert {"es", "zh", "vi", "tl", "ar", "fr", "ko", "ru", "ht", "pt", "so", "ne", "sw"} <= codes
    spanish = table().get("es")
    assert spanish is not None and (spanish.name, spanish.native) == ("Spanish", "español")


def test_a_name_of_two_languages_is_refused(tmp_path) -> None:
    broken = tmp_path / "languages.csv"
    broken.write_text(
        LANGUAGES_FILE.read_text(encoding="utf-8") + "xx,Castilian,castellano,\n",
        encoding="utf-8",
    )
    with pytest.raises(LanguageTableError, match="names both"):
        read_table(broken)
