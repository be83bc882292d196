"""Languages by ISO 639-1 code, English name or own name (data/languages/languages.csv).

Pure: no Flask, no database. `code_for("Spanish") == code_for("español") == code_for("ES") == "es"`;
matching ignores case, accents and spacing; anything not in the table is None.
"""

from __future__ import annotations

import csv
import functools
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

LANGUAGES_FILE = Path(__file__).resolve().parent.parent / "data" / "languages" / "languages.csv"
_CODE = re.compile(r"^[a-z]{2}$")


@dataclass(frozen=True, slots=True)
class Language:
    code: str  # ISO 639-1
    name: str  # in English
    native: str  # in itself
    also: tuple[str, ...] = ()  # other names people use for it


def folded(text: str) -> str:
    """Lowercase, without accents and with single spaces: how names are compared."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(bare.replace("-", " ").split())


class LanguageTableError(ValueError):
    """The languages file cannot be used (a duplicate code or a name of two languages)."""


@dataclass(frozen=True)
class LanguageTable:
    languages: tuple[Language, ...]
    by_key: dict[str, str]

    def code_for(self, value: str) -> str | None:
        """The ISO 639-1 code a caller's words name, or None."""
        key = folded(value)
        return self.by_key.get(key) if key else None

    def get(self, code: str) -> Language | None:
        return next((language for language in self.languages if language.code == code), None)


def read_table(path: Path = LANGUAGES_FILE) -> LanguageTable:
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    languages = tuple(
        Language(
            code=row["code"].strip(),
            name=row["name"].strip(),
            native=row["native"].strip(),
            also=tuple(name.strip() for name in (row.get("also") or "").split(";") if name.strip()),
        )
        for row in rows
    )
    by_key: dict[str, str] = {}
    for language in languages:
        if not _CODE.match(language.code):
            raise LanguageTableError(f"{path.name}: {language.code!r} is not a two-letter ISO 639-1 code")
        for name in (language.code, language.name, language.native, *language.also):
            key = folded(name)
            if by_key.get(key, language.code) != language.code:
                raise LanguageTableError(f"{path.name}: {name!r} names both {by_key[key]} and {language.code}")
            by_key[key] = language.code
    codes = [language.code for language in languages]
    if len(set(codes)) != len(codes):
        raise LanguageTableError(f"{path.name}: a code is listed twice")
    return LanguageTable(languages=languages, by_key=by_key)


@functools.cache
def table() -> LanguageTable:
    return read_table()


def code_for(value: str) -> str | None:
    return table().code_for(value)
