"""Statements in headlines (cited to the headline, paragraph TITLE), and speakers named by a
description: organisations ("the utility said") and people ("a transit chief says"), with the
real spaCy pipeline."""

from __future__ import annotations

from archive.statements import extract_statements
from archive.statements.headline import TITLE

BODY = ["The White House said on Wednesday that the hearings had produced no new evidence.",
        "Press secretary Stephanie Grisham said the president had done nothing wrong."]


def headline(title: str, body: list[str] = BODY):
    return [s for s in extract_statements(body, title, "en") if s.paragraph == TITLE]


def test_source_after_the_claim_with_a_colon():
    [s] = headline("Impeachment sham completely debunked: White House")
    assert (s.speaker, s.text, s.end_paragraph) == ("White House", "Impeachment sham completely debunked", TITLE)


def test_source_before_the_claim_and_a_quoted_claim():
    [s] = headline("White House: hearings produced no new evidence")
    assert (s.speaker, s.text) == ("White House", "hearings produced no new evidence")
    body = ["Anthony Lynn said the Chargers saw winning on Monday night as the most important step."]
    [q] = headline("Anthony Lynn: “We needed to win this game”", body)
    assert (q.speaker, q.kind, q.text) == ("Anthony Lynn", "direct", "We needed to win this game")


def test_a_headline_with_a_reporting_verb_is_parsed_as_a_sentence():
    body = ["VIENNA — Austria's interior minister said the house where Adolf Hitler was born will become a police "
            "station.", "Austria has long argued that it was the first victim of National Socialism."]
    [s] = headline("House Hitler was born in will become a police station, Austria says", body)
    assert (s.speaker, s.cue) == ("Austria", "say")
    assert "police station" in s.text


def test_no_headline_statement_without_a_named_source_or_a_claim():
    assert not headline("Brexit: what happens next")
    assert not headline("Analysis: the hearings, day two")  # "Analysis" names no one
    assert not headline("Tesla: a timeline")  # no clause to attribute, and Tesla is not in the body


def test_a_headline_repeated_as_the_first_paragraph_is_read_once():
    title = "Impeachment sham completely debunked: White House"
    statements = extract_statements([title] + BODY, title, "en")
    assert not [s for s in statements if s.paragraph == TITLE]


def test_an_organisation_description_takes_the_organisation_the_article_is_about():
    paragraphs = ["PG&E will cut power to about 150,000 customers in Northern California on Wednesday.",
                  "Mark Quinlan, PG&E's senior director of emergency preparedness, expects the wind to ease by Thursday.",
                  "PG&E faces lawsuits over the outages. The state's largest utility lowered its estimate on Tuesday.",
                  "The utility said it will closely monitor the weather and could further reduce that number."]
    s = next(s for s in extract_statements(paragraphs, None, "en") if "closely monitor" in s.text)
    assert s.speaker == "PG&E"


def test_a_description_before_the_name_takes_the_one_person_with_that_role():
    statements = extract_statements([
        "A California transit chief says a man has been stabbed to death on a commuter train during a fight.",
        "Interim BART Police Chief Ed Alvarez told reporters that officials began receiving calls on Tuesday.",
        "Another official said the station would stay closed for the evening rush hour."], None, "en")
    assert next(s for s in statements if "stabbed to death" in s.text).speaker == "Ed Alvarez"
    assert next(s for s in statements if "stay closed" in s.text).speaker is None


def test_according_to_a_document_is_according_to_its_named_source():
    statements = extract_statements([
        "Amnesty International said Iranian security forces used excessive force against protesters.",
        "At least 106 protesters in 21 cities have been killed, according to credible reports received by Amnesty."],
        None, "en")
    assert next(s for s in statements if "106 protesters" in s.text).speaker == "Amnesty International"


def test_an_organisation_name_the_small_model_did_not_tag_is_the_speaker():
    statements = extract_statements([
        "“We will not tolerate threats against public officials,” the U.S. Attorney’s Office for the Western District "
        "of New York said in a statement.", "The Electoral Commission said that voters should check the source of claims."],
        None, "en")
    assert [s.speaker for s in statements] == ["U.S. Attorney’s Office for the Western District of New York",
                                               "Electoral Commission"]


def test_a_spokesperson_for_an_organisation_speaks_for_it_not_for_a_person():
    statements = extract_statements(["Donald Trump will visit Ohio next week.",
                                     "A spokesman for the Ministry of Defence said that the base would stay open.",
                                     "A spokesman for Trump said the president would attend."], None, "en")
    assert [s.speaker for s in statements] == ["Ministry of Defence", None]
