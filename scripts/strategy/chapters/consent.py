"""What each audience may see: the rules live in `strategy.consent`, which every stage uses; the chapters
import them from here, with the sentence that tells readers what consent kept out."""

from ..consent import (MINIMUM_CELL, SMALL_CELLS_NOTE, Audience, Cell, attribution, audience_view, capitalise,
                       kept_out, may_name, may_show, names_to_keep_out, small_cells, unnamed_partners)
from .markdown import number

__all__ = ["MINIMUM_CELL", "SMALL_CELLS_NOTE", "Audience", "Cell", "attribution", "audience_view", "capitalise",
           "consent_clauses", "kept_out", "may_name", "may_show", "names_to_keep_out", "small_cells",
           "unnamed_partners"]


def consent_clauses(unnamed: int, withheld: int, audience: Audience, *, who: str, what: str,
                    shown: str) -> list[str]:
    """What consent changed, as clauses for the reader: `unnamed` partners (`who`: "partner", "reviewer")
    attributed by kind, `withheld` items (`what`: "input", "comment") kept out of the page (`shown`: how the
    page would have shown them, "shown", "listed")."""
    parts = []
    if unnamed:
        parts.append(f"{number(unnamed)} {who}{'s' if unnamed != 1 else ''} asked not to be named, so their "
                     f"{what}s are attributed by kind of partner only")
    if withheld:
        one = withheld == 1
        verb = f"{shown} here marked as withheld" if audience is Audience.INTERNAL else f"counted but not {shown}"
        parts.append(f"{number(withheld)} {what}{'' if one else 's'} {'was' if one else 'were'} sent on condition "
                     f"that {'it' if one else 'they'} not be published and {'is' if one else 'are'} {verb}")
    return parts
