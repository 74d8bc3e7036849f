"""A lead's dateline names where and by whom a story was filed: no answer."""
from __future__ import annotations

from indexer.datelines import strip_all, without_dateline


def test_entities_named_only_in_the_dateline_are_left_out():
    text = "WASHINGTON (Reuters) - Scientists led by NASA unveiled the first map of Titan."
    found = {"e": [["GPE", "WASHINGTON"], ["ORG", "Reuters"], ["ORG", "NASA"]], "r": 0}
    assert without_dateline(found, text)["e"] == [["ORG", "NASA"]]
    assert without_dateline(found, text)["r"] == 0


def test_a_place_named_again_in_the_body_stays_and_plain_openings_are_no_dateline():
    text = "BUFFALO, N.Y. — The Sabres beat Minnesota in Buffalo on Saturday."
    found = {"e": [["GPE", "BUFFALO"], ["GPE", "N.Y."], ["GPE", "Buffalo"]], "r": 0}
    assert without_dateline(found, text)["e"] == [["GPE", "Buffalo"]]  # "BUFFALO" differs from "Buffalo" in case
    for opening in ("Two hostages — an American and an Australian — were released.",
                    "The deal – worth $2bn – was signed in London."):
        plain = {"e": [["GPE", "London"], ["CARDINAL", "Two"]], "r": 0}
        assert without_dateline(plain, opening) is plain
    assert strip_all({"h": found, "other": {"e": []}}, {"h": text}) == {"h": {"e": [["GPE", "Buffalo"]], "r": 0},
                                                                       "other": {"e": []}}
