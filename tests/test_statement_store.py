"""The statements table: a speaker is one speaker however articles write the name (the key
column of migration 4), for the speaker filter, /api/speakers and speaker pages."""
from __future__ import annotations

from archive import statement_store
from archive.models import Article
from archive.statements import Statement
from archive.store import Store


def said(speaker: str, text: str, paragraph: int = 0) -> Statement:
    return Statement(paragraph=paragraph, speaker=speaker, speaker_as_written=speaker, role=None, text=text,
                     cue="say", kind="reported", start=0, end=len(text), end_paragraph=paragraph)


def archive(tmp_path) -> Store:
    store = Store(tmp_path)
    for n, (day, speaker) in enumerate([("2019-11-01", "Sonya A. Zoghlin"), ("2019-11-05", "Sonya Zoghlin"),
                                        ("2019-11-06", "Sergei Shoigu")]):
        result = store.save_article(Article(url=f"https://news.example/{n}", canonical_url=f"https://news.example/{n}",
                                            title=f"Report {n}", published=day, language="en",
                                            paragraphs=[f"{speaker} said the hearing will be held in March, number {n}."]))
        statement_store.replace(store, result.article_id, f"hash{n}", 1, [said(speaker, f"the hearing {n}")])
    return store


def test_name_variants_are_one_speaker_in_filters_lists_and_pages(tmp_path):
    store = archive(tmp_path)
    rows = statement_store.attributed(store, "Sonya Zoghlin")
    assert {r["speaker"] for r in rows} == {"Sonya A. Zoghlin", "Sonya Zoghlin"}
    assert statement_store.attributed(store, "zoghlin") == rows  # the surname alone
    assert [r["speaker"] for r in statement_store.of_speaker(store, "Sonya A. Zoghlin")] == \
        ["Sonya Zoghlin", "Sonya A. Zoghlin"]  # newest first
    listed = statement_store.speakers(store)
    assert listed[0] == {"name": "Sonya A. Zoghlin", "statements": 2, "first": "2019-11-01", "last": "2019-11-05"}
    assert [s["name"] for s in statement_store.speakers(store, "sonya zoghlin")] == ["Sonya A. Zoghlin"]
    store.close()


def test_rows_from_before_the_key_column_get_their_keys(tmp_path):
    store = archive(tmp_path)
    store.db.execute("UPDATE statements SET speaker_key = NULL")
    store.db.commit()
    assert statement_store.attributed(store, "Sergei Shoigu") == []
    assert statement_store.fill_keys(store) == 3
    assert [r["speaker"] for r in statement_store.attributed(store, "Sergei Shoigu")] == ["Sergei Shoigu"]
    store.close()
