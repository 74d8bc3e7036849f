"""Which pronoun a person takes, when the article or the name tells: so that "he" can pick the
one man among two people named as subjects (and "she" the one woman). Evidence, in order:
a title in the text (Mr/Mrs/Ms), a gendered role word (spokeswoman, chairman), a common first
name. Anything else is unknown, and an unknown person still competes for either pronoun."""
from __future__ import annotations

MALE_TITLES = {"mr", "mr.", "sir", "lord", "king", "prince", "father", "brother"}
FEMALE_TITLES = {"mrs", "mrs.", "ms", "ms.", "miss", "dame", "lady", "queen", "princess", "sister", "madam"}
MALE_WORDS = {"spokesman", "chairman", "congressman", "businessman", "man", "father", "husband", "son",
              "king", "prince", "actor", "boy", "brother", "councilman", "policeman", "alderman", "anchorman",
              "sportsman", "statesman", "frontman", "grandfather", "uncle", "nephew", "widower", "duke"}
FEMALE_WORDS = {"spokeswoman", "chairwoman", "congresswoman", "businesswoman", "woman", "mother", "wife",
                "daughter", "queen", "princess", "actress", "girl", "sister", "councilwoman", "policewoman",
                "sportswoman", "stateswoman", "grandmother", "aunt", "niece", "widow", "duchess", "mrs"}
# Common given names (English-language news: the US, UK, Europe, Russia, and beyond), only
# those that are clearly one or the other.
MALE_NAMES = set("""
aaron adam adrian ahmed alan albert alex alexander alexei alexey ali andrew andrei andrey anthony antony
arthur barack ben benjamin bernie bill bob boris brad brian bruce carl carlos charles chris christopher
colin craig dan daniel darren david dennis dmitry dmitri don donald douglas ed edward emmanuel eric
frank fred gary george gerald graham greg gregory harry henry hugh ian igor ivan jack jacob james jason
jeff jeffrey jens jeremy jerome jim joe john jon jonathan jose joseph josh juan justin keir keith ken kevin
larry lee leo liam lloyd luis marco mark martin matt matthew max michael mike mikhail mitch mohammed
muhammad narendra neil nicholas nick nigel oleg olaf oliver patrick paul peter phil philip ralph ray richard
rishi rob robert roger ron ronald rudy ryan sam samuel scott sean sebastian sergei sergey simon stephen
steve steven stuart ted thomas tim timothy tom tony vadim valery viktor vladimir volodymyr walter wayne
william xi yevgeny yuri
""".split())
FEMALE_NAMES = set("""
alice alison amanda amy angela angela ann anna anne annalena barbara betty brenda carol caroline catherine
charlotte christine claire diana diane donna elizabeth ella ellen emily emma eva giorgia hannah helen
hillary irina jacinda jane janet jennifer jessica jill joan julia julie karen kamala kate katherine kathleen
laura linda lisa liz liza lucy margaret maria marie marine mary melania melissa michelle nancy natalia
natalya nicola nicole nikki olena olga pamela patricia priti rachel rebecca sarah sharon sophie susan
suella svetlana theresa tulsi ursula valentina victoria yulia
""".split())


def of_name(name: str | None, role: str | None = None, titles: set[str] | frozenset = frozenset()) -> str | None:
    """'m', 'f' or None. `titles`: the words seen right before the name in the article."""
    low = {t.lower().strip(".") + ("." if t.endswith(".") else "") for t in titles} | {t.lower().strip(".") for t in titles}
    if low & MALE_TITLES and not low & FEMALE_TITLES:
        return "m"
    if low & FEMALE_TITLES and not low & MALE_TITLES:
        return "f"
    words = set((role or "").lower().replace("-", " ").split())
    if words & MALE_WORDS and not words & FEMALE_WORDS:
        return "m"
    if words & FEMALE_WORDS and not words & MALE_WORDS:
        return "f"
    first = (name or "").split()[0].lower().strip(".,") if (name or "").split() else ""
    if first in MALE_NAMES:
        return "m"
    if first in FEMALE_NAMES:
        return "f"
    return None


PRONOUN_GENDER = {"he": "m", "she": "f"}
