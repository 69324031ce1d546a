"""Guard against patient-identifiable information in posts (pure Python, standard library).

``scan_for_patient_identifiers`` reports what should hold a post or edit for review:

1. "nhs_number": ten digits passing Modulus 11 ("943 476 5919", "943-476-5919", "9434765919")
   and not part of a longer number (11+ digits, decimals, "INC9434765919", links, "+44 ...").
   England issues 300-799 prefixes, Northern Ireland 320-399, Scotland's CHI 010-311 (first six
   digits are the DOB, DDMMYY); 999 is for tests. From 300 up the check digit decides alone;
   lower prefixes must start with a real DDMMYY date, which also rules out almost all UK phone
   numbers ("0800...", "0113...": no month 00 or 13). Repeated digits are placeholders.
   Trade-off: other ten digits passing Mod 11 (1 in 11 at random) are flagged without context,
   e.g. a mobile number without its leading 0, or a 10-digit SNOMED code.

2. "date_of_birth_with_name": a real day-first date (12/03/1948, 2/3/48, 12.03.48, 1948-03-12,
   3 March 1950, 3rd Mar 1950, 12-Mar-1948, March 3, 1950) 0-120 years before ``today`` (older
   ones are placeholders like 01/01/1900), flagged when either
   * a DOB marker ("DOB", "d.o.b.", "date of birth", "birth date", "born") is at most 30
     characters before it or right after it. The marker alone is enough: it ties the date to a
     person, and a full DOB is among the strongest identifiers. Cohorts ("born between/after
     ..."), date ranges and "the NHS was born" are skipped; or
   * with no marker, the year has four digits, the date is at least 16 years old, and a name
     is next to it record-style: within 60 characters, no lowercase word between ("Jane Smith,
     12/03/1948"). A name is a titled one (see 3) or two adjacent capitalised words that are not
     common non-names (months, places, NHS terms). Meetings ("Meeting with Dr Patel on
     12/03/2026") and history in prose ("founded on 5 July 1948 by Aneurin Bevan") pass.
     Trade-off: a child's unmarked DOB is missed; an old date beside a place that looks like a
     name ("Chapel Allerton 12/03/1990") is held.

3. "postcode_with_name": a full postcode of a real area, all capitals or all lower case ("LS1
   4AP", "ls14ap"; not "B12 2nd"), within 60 characters of a titled name ("Mr Ahmed Khan",
   "Mrs J SMITH", "Dr Patel", "patient Jane Smith", "Baby Jones") with no lowercase words
   between them but address words ("lives at", "home postcode"). Untitled names do not count,
   as addresses put place names next to postcodes ("Chapel Allerton, LS7 4SA"). A workplace or
   job word ("Hospitals", "Practice", "Lead", "office") between them, or before the postcode
   when the name follows it, makes it an organisation's ("Dr Patel, Leeds Teaching Hospitals,
   LS1 3EX"); and prose ("Thanks Mr Ahmed for hosting us in Bradford BD9 6RJ") passes.

Bounded patterns and constant work per match keep scanning linear in the text's length. A
``reason`` quotes the match back to the author; where text must not be kept (logs), store the
kind and span instead.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from datetime import date
from typing import Literal

PiiKind = Literal["nhs_number", "date_of_birth_with_name", "postcode_with_name"]
Span = tuple[int, int]

_ASK = "Please remove it: patients must not be identifiable here."
_NAME_WINDOW = 60  # characters between a name and a date/postcode that still count as "next to"
_MAX_NAME_LENGTH = 100  # longest span the bounded name patterns below can match
_MARKER_WINDOW = 30  # characters a DOB marker may precede its date by
_MIN_AGE_WITHOUT_MARKER = 16  # years; recent dates next to names are meetings, not births
_MAX_AGE = 120  # years; older "dates of birth" are placeholders like 01/01/1900
_CHI_PREFIX_LIMIT = 300  # below this, a number must start with a DDMMYY date (Scottish CHI)


@dataclass(frozen=True)
class PiiFinding:
    """One piece of text that looks patient-identifiable."""

    kind: PiiKind
    start: int
    end: int
    reason: str

    @property
    def span(self) -> Span:
        """Return (start, end) of the matched text, as for ``re.Match.span``."""
        return (self.start, self.end)


# --- NHS numbers ---------------------------------------------------------------------------
# Not after a word character or "/=#&" (references, links), a digit plus separator ("+44 113",
# "3.94") or "(0)"; not before a word character or a separator plus digit (longer numbers).
_NHS_RE = re.compile(
    r"(?<![\w/=#&])(?<!\d[ .\-/])(?<!\(0\))(?<!\(0\) )"
    r"(\d{3})([ \-\u00a0]?)(\d{3})\2(\d{4})(?!\w)(?![ .\-/]\d)"
)


def is_valid_nhs_number(digits: str) -> bool:
    """Return True when ten digits pass the NHS Modulus 11 check."""
    if len(digits) != 10 or not digits.isascii() or not digits.isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1), strict=True))
    check = (11 - total % 11) % 11  # 11 becomes 0; 10 means no number can have this stem
    return check != 10 and check == int(digits[9])


def _plausible_nhs_number(digits: str) -> bool:
    """Return True for a Mod 11-valid number in a range a real patient could have."""
    if not is_valid_nhs_number(digits) or len(set(digits)) == 1:
        return False
    # Below the limit only CHI numbers, which start DDMMYY (2000 allows 29 February).
    prefix_ok = int(digits[:3]) >= _CHI_PREFIX_LIMIT
    return prefix_ok or _make_date(2000, int(digits[2:4]), int(digits[0:2])) is not None


# --- Dates ---------------------------------------------------------------------------------
_MONTH_KEYS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_MONTHS = {key: number for number, key in enumerate(_MONTH_KEYS, start=1)}
_MN = (
    r"(?P<mn>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_D = r"(?P<d>0?[1-9]|[12]\d|3[01])"
_M = r"(?P<m>0?[1-9]|1[0-2])"
_Y4 = r"(?P<y>1[89]\d\d|20\d\d)"
_Y = r"(?P<y>1[89]\d\d|20\d\d|\d\d)"
_LEFT = r"(?<![\w.,/\-])"  # not part of a version number, ratio or longer code
_RIGHT = r"(?!\w)(?![.,/\-:]\d)"
_ORDINAL = r"(?:st|nd|rd|th)?"
# Every pattern has groups d, y and either m or mn. Dotted dates need a two-digit day and
# month, so a version such as "1.2.34" is not read as 1 February 1934.
_DATE_PATTERNS = [
    re.compile(rf"{_LEFT}{_D}(?P<s>[/\-]){_M}(?P=s){_Y}{_RIGHT}"),
    re.compile(rf"{_LEFT}(?P<d>0[1-9]|[12]\d|3[01])\.(?P<m>0[1-9]|1[0-2])\.{_Y}{_RIGHT}"),
    re.compile(rf"{_LEFT}{_Y4}(?P<s>[\-/.]){_M}(?P=s){_D}{_RIGHT}"),
    re.compile(rf"(?<![\w\-]){_D}{_ORDINAL}(?:[ \-]|\s+of\s+){_MN}[ \-,]\s*{_Y4}(?!\w)", re.I),
    re.compile(rf"(?<![\w\-]){_MN}\s+{_D}{_ORDINAL},?\s+{_Y4}(?!\w)", re.I),
]
_MARKER_RE = re.compile(
    r"(?<![a-z])(?:d\.?o\.?b(?![a-z])\.?|date\s+of\s+birth|birth[ \-]?date|born(?![a-z]))", re.I
)
# Words between a marker and a date that make it a cohort or period, not one birthday.
_COHORT_RE = re.compile(r"\b(?:between|after|before|since|from|during|prior|until|within|by)\b")
_RANGE_GAP_RE = re.compile(r"\s*(?:-|\u2013|\u2014|to|until|till|through)\s*", re.I)
_TIGHT_GAP_RE = re.compile(r"[\s(\[,:;=\-]{0,4}")
_LOWER_WORD_RE = re.compile(r"\b[a-z]{2,}\b")


@dataclass(frozen=True)
class _DateHit:
    """A calendar-valid date found in the text."""

    start: int
    end: int
    when: date
    four_digit_year: bool


def _make_date(year: int, month: int, day: int) -> date | None:
    """Return the date, or None when it is not on the calendar."""
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _find_dates(text: str, today: date) -> list[_DateHit]:
    """Return every calendar-valid date in ``text``, in order."""
    hits: list[_DateHit] = []
    for pattern in _DATE_PATTERNS:
        for m in pattern.finditer(text):
            groups = m.groupdict()
            month = int(groups["m"]) if groups.get("m") else _MONTHS[groups["mn"][:3].lower()]
            year = int(m["y"])
            if len(m["y"]) == 2:  # the most recent such year that is not in the future
                year += 2000 if year <= today.year % 100 else 1900
            when = _make_date(year, month, int(m["d"]))
            if when:
                hits.append(_DateHit(m.start(), m.end(), when, len(m["y"]) == 4))
    hits.sort(key=lambda h: h.start)
    return hits


# --- Names ---------------------------------------------------------------------------------
_TITLED_NAME_RE = re.compile(
    r"(?<![\w.])(?:(?:Mr|Mrs|Ms|Mx|Miss|Master|Dr|Prof|MR|MRS|MS|MISS|DR)\.?|[Pp]atient|[Pp]t\.?"
    r"|Baby) {1,3}(?P<name>(?:[A-Z]\.? {1,3}){0,3}(?:Mc|Mac|O')?[A-Z][A-Za-z'\-]{1,30}"
    r"(?: [A-Z][A-Za-z'\-]{1,30})?)"
)
_CAP_WORD_RE = re.compile(
    r"(?<![\w'\-])(?:Mc|Mac|O')?[A-Z][a-z]{1,30}(?:-[A-Z][a-z]{1,30})?(?![\w'])"
)
# Capitalised words that are not names: grammar, calendar, places and the NHS's own vocabulary.
_NOT_NAMES_TEXT = """
The This That These Those There Their Then When Where What Which Who Why How Our Your We You They
She He It In On At By For From To Of And Or But If As So Not No Yes All Any Each Every Some Many
Most Since After Before During Following Please Thanks Thank Dear Hi Hello Kind Regards Best Warm
Wishes Note See Also New Old Next Last First Second Third Final Monday Tuesday Wednesday Thursday
Friday Saturday Sunday January February March April May June July August September October November
December Today Yesterday Tomorrow Week Month Year Day Quarter Annual Monthly Weekly Daily Meeting
Minutes Agenda Audit Report Review Update Summary Action Actions Plan Policy Guideline Guidelines
Guidance Standard Standards Protocol Pathway Bundle Form Data Index List File Class Version Team
Group Network Board Committee Forum Panel Trust Trusts Hospital Hospitals Teaching General Infirmary
University Foundation Health Healthcare Care Clinical Medical Medicine Surgery Surgical Royal
Children Women Maternity Neonatal Paediatric Adult Mental Acute Primary Secondary Community
Emergency Intensive Critical Department Directorate Division Service Services Unit Ward Wards Bay
Bed Clinic Centre Center Practice Theatre Theatres Outpatients Discharge Lounge Pharmacy Lab
Laboratory Radiology Lead Leads Manager Director Chair Nurse Nurses Sister Matron Midwife Consultant
Registrar Doctor Doctors Patient Patients Safety Quality Improvement Experience Programme Project
Initiative Friendly National Regional Local Integrated Street Road Lane Avenue Way Drive Place
Square Close Court Park House Building North South East West Central Upper Lower Greater Great
Little Mid St Saint City County England Scotland Wales Ireland Britain British English Act Inquiry
Commission Council Institute College School Society Association Federation Alliance Collaborative
Covid Christmas Easter Bank Holiday Happy Good Well Excellent
"""
_NOT_NAMES = frozenset(_NOT_NAMES_TEXT.split())


def _find_names(text: str) -> tuple[list[Span], list[Span]]:
    """Return spans of titled names and of untitled "Firstname Surname" pairs."""
    titled = [
        m.span()
        for m in _TITLED_NAME_RE.finditer(text)
        if m["name"].split()[0].strip(".") not in _NOT_NAMES  # "Patient Safety", "Baby Friendly"
    ]
    pairs: list[Span] = []
    previous: re.Match[str] | None = None
    for word in _CAP_WORD_RE.finditer(text):
        if word[0] in _NOT_NAMES:
            previous = None
        else:
            if previous is not None and text[previous.end() : word.start()] == " ":
                pairs.append((previous.start(), word.end()))
            previous = word
    return titled, pairs


def _names_near(names: list[Span], starts: list[int], span: Span) -> list[Span]:
    """Return the names that end or start within the name window of ``span``."""
    start, end = span
    # Name patterns are bounded, so only names starting in this band can be close enough.
    lo = bisect.bisect_left(starts, start - _NAME_WINDOW - _MAX_NAME_LENGTH)
    hi = bisect.bisect_right(starts, end + _NAME_WINDOW)
    return [
        (ns, ne)
        for ns, ne in names[lo:hi]
        if 0 <= start - ne <= _NAME_WINDOW or 0 <= ns - end <= _NAME_WINDOW
    ]


def _gap(text: str, a: Span, b: Span) -> str:
    """Return the text strictly between two non-overlapping spans."""
    return text[a[1] : b[0]] if a[1] <= b[0] else text[b[1] : a[0]]


# --- Postcodes -----------------------------------------------------------------------------
_AREAS_TEXT = """
AB AL B BA BB BD BF BH BL BN BR BS BT CA CB CF CH CM CO CR CT CV CW DA DD DE DG DH DL DN DT DY E
EC EH EN EX FK FY G GL GU GY HA HD HG HP HR HS HU HX IG IM IP IV JE KA KT KW KY L LA LD LE LL LN
LS LU M ME MK ML N NE NG NN NP NR NW OL OX PA PE PH PL PO PR RG RH RM S SA SE SG SK SL SM SN SO
SP SR SS ST SW SY TA TD TF TN TQ TR TS TW UB W WA WC WD WF WN WR WS WV YO ZE
"""
_AREAS = frozenset(_AREAS_TEXT.split())
# The area is checked against _AREAS afterwards: a 121-way alternation tried at every position
# is several times slower. Inward-code letters never include C, I, K, M, O or V.
_POSTCODE_RE = re.compile(
    r"(?<![A-Za-z0-9])(?P<area>[A-Z]{1,2})\d[A-Z\d]?[ \u00a0]?\d[ABD-HJLNP-UW-Z]{2}(?![A-Za-z0-9])",
    re.I,
)
# The only lowercase words allowed between a name and a postcode ("Mrs Jones lives at ...").
_ADDRESS_WORDS = {"at", "in", "of", "lives", "living", "resides", "address", "home", "postcode"}
# Words between a name and a postcode that make it a workplace's ("NHS" unless "NHS no").
_WORKPLACE_RE = re.compile(
    r"\b(?:hospitals?|infirmary|trust|icb|practice|surgery|clinic|centre|center|unit|ward|team"
    r"|university|council|board|foundation|health|hospice|pharmacy|medical|college|school"
    r"|ltd|limited|plc|hq|headquarters|offices?|department|building|campus|care\s+home"
    r"|nhs(?![\s:]*(?:n|\d))|lead|consultant|manager|director|matron|nurse|midwife|chair"
    r"|secretary|coordinator|officer|administrator)\b",
    re.I,
)


# --- Public API ----------------------------------------------------------------------------
def scan_for_patient_identifiers(text: str, *, today: date | None = None) -> list[PiiFinding]:
    """Return the patient-identifiable pieces of ``text``, ordered by position."""
    today = today or date.today()
    findings: list[PiiFinding] = []
    for m in _NHS_RE.finditer(text):
        if _plausible_nhs_number(m[1] + m[3] + m[4]):
            reason = f"This looks like an NHS number ({m[0]}). {_ASK}"
            findings.append(PiiFinding("nhs_number", m.start(), m.end(), reason))
    dates = _find_dates(text, today)
    # Real postcodes are typed all in capitals or all in lower case; "B12 2nd" is neither.
    postcodes = [
        m
        for m in _POSTCODE_RE.finditer(text)
        if (m[0].isupper() or m[0].islower()) and m["area"].upper() in _AREAS
    ]
    if dates or postcodes:  # finding names is the costliest step, so skip it when possible
        titled, pairs = _find_names(text)
        findings += _date_of_birth_findings(text, dates, sorted(titled + pairs), today)
        findings += _postcode_findings(text, postcodes, titled)
    findings.sort(key=lambda f: (f.start, f.end))
    return findings


def looks_patient_identifiable(text: str, *, today: date | None = None) -> bool:
    """Return True when ``text`` should be held for review."""
    return bool(scan_for_patient_identifiers(text, today=today))


_PLACEHOLDERS = {
    "nhs_number": "[NHS number removed]",
    "date_of_birth_with_name": "[date of birth removed]",
    "postcode_with_name": "[postcode removed]",
}


def redact(text: str, findings: list[PiiFinding]) -> str:
    """Return ``text`` with each finding's span replaced by a placeholder naming its kind."""
    pieces: list[str] = []
    cursor = 0
    for finding in sorted(findings, key=lambda f: (f.start, f.end)):
        if finding.end <= cursor:
            continue  # wholly inside a span already removed
        pieces += [text[cursor : max(cursor, finding.start)], _PLACEHOLDERS[finding.kind]]
        cursor = finding.end
    pieces.append(text[cursor:])
    return "".join(pieces)


# --- Rules ---------------------------------------------------------------------------------
def _date_of_birth_findings(
    text: str, dates: list[_DateHit], names: list[Span], today: date
) -> list[PiiFinding]:
    """Return dates that read as a date of birth (see the module docstring)."""
    marked, range_ends = _marked_dates(text, dates), _range_ends(text, dates)
    name_starts = [s for s, _ in names]
    findings: list[PiiFinding] = []
    for i, hit in enumerate(dates):
        born = hit.when
        age = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
        if not 0 <= age <= _MAX_AGE or i in range_ends:
            continue
        shown, span = text[hit.start : hit.end], (hit.start, hit.end)
        near = [] if i in marked else _names_near(names, name_starts, span)
        record = any(not _LOWER_WORD_RE.search(_gap(text, name, span)) for name in near)
        if i in marked:
            reason = f"This looks like a date of birth ({shown}). {_ASK}"
        elif hit.four_digit_year and age >= _MIN_AGE_WITHOUT_MARKER and record:
            reason = f"This looks like a date of birth ({shown}) next to a person's name. {_ASK}"
        else:
            continue
        findings.append(PiiFinding("date_of_birth_with_name", hit.start, hit.end, reason))
    return findings


def _range_ends(text: str, dates: list[_DateHit]) -> set[int]:
    """Return indexes of dates that end a period such as "01/04/2008 to 31/03/2009"."""
    ends: set[int] = set()
    for i in range(1, len(dates)):
        gap_start, gap_end = dates[i - 1].end, dates[i].start
        if gap_end - gap_start <= 12 and _RANGE_GAP_RE.fullmatch(text, gap_start, gap_end):
            ends |= {i - 1, i}
    return ends


def _marked_dates(text: str, dates: list[_DateHit]) -> set[int]:
    """Return indexes of the dates that a DOB marker points at."""
    starts = [d.start for d in dates]
    marked: set[int] = set()
    for marker in _MARKER_RE.finditer(text):
        preceding = text[max(0, marker.start() - 25) : marker.start()]
        if marker[0].lower() == "born" and "NHS" in preceding:
            continue  # "the NHS was born on 5 July 1948": a famous birthday, not a patient's
        k = bisect.bisect_left(starts, marker.end())  # the first date after the marker
        # Only dates close to the marker matter; slicing further would make scans quadratic.
        near = k < len(dates) and dates[k].start - marker.end() <= _MARKER_WINDOW
        after = dates[k] if near else None
        before = dates[k - 1] if k and 0 <= marker.start() - dates[k - 1].end <= 4 else None
        gap_after = text[marker.end() : after.start] if after else ""
        # "DOB: 12/03/1948" binds forwards first, so "seen 01/05/2025, DOB 12/03/1948" does
        # not mark the visit date; "12/03/1948 (DOB)" binds backwards.
        if after and _TIGHT_GAP_RE.fullmatch(gap_after):
            marked.add(k)
        elif before and _TIGHT_GAP_RE.fullmatch(text[before.end : marker.start()]):
            marked.add(k - 1)
        elif after and not _COHORT_RE.search(gap_after.lower()):
            marked.add(k)
    return marked


def _postcode_findings(
    text: str, postcodes: list[re.Match[str]], titled: list[Span]
) -> list[PiiFinding]:
    """Return full postcodes with a titled name next to them and no workplace in between."""
    starts = [s for s, _ in titled]
    findings: list[PiiFinding] = []
    for m in postcodes:
        for name in _names_near(titled, starts, m.span()):
            gap = _gap(text, name, m.span())
            # When the name follows, the address before the postcode also says whose it is.
            before = text[max(0, m.start() - _NAME_WINDOW) : m.start()] if name[0] > m.end() else ""
            record = set(_LOWER_WORD_RE.findall(gap)) <= _ADDRESS_WORDS
            if record and not _WORKPLACE_RE.search(f"{before} {gap}"):
                who = text[name[0] : name[1]]
                reason = f"This looks like a home postcode ({m[0]}) next to a name ({who}). {_ASK}"
                findings.append(PiiFinding("postcode_with_name", m.start(), m.end(), reason))
                break
    return findings
